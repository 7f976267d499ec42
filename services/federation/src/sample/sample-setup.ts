// A ready-to-run sample: the sample customers in a SQLite file and a
// federation.cfg over it. `pnpm federation:sample`, the process tests and the
// nginx deploy tests start the real binary on it.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createKnex } from '@anchor/support';
import { loadSampleData, SAMPLE_QUERIES } from './sample-data.js';

export interface SampleSetup {
  configFile: string;
  dbFile: string;
  customers: { name: string; accountId: string }[];
}

/** Writes `<dir>/federation.sqlite` with the sample customers of `domain` and `<dir>/federation.cfg` on `port`. */
export async function writeSampleSetup(dir: string, domain: string, port = 0): Promise<SampleSetup> {
  const dbFile = join(dir, 'federation.sqlite');
  const db = createKnex({ type: 'sqlite3', url: dbFile });
  let customers: SampleSetup['customers'];
  try {
    customers = await loadSampleData(db, domain);
  } finally {
    await db.destroy();
  }
  const configFile = join(dir, 'federation.cfg');
  writeFileSync(
    configFile,
    [
      `port = ${port}`,
      '',
      '[database]',
      'type = "sqlite3"',
      `dsn = ${JSON.stringify(dbFile)}`,
      '',
      '[queries]',
      `federation = ${JSON.stringify(SAMPLE_QUERIES.federation)}`,
      `reverse-federation = ${JSON.stringify(SAMPLE_QUERIES.reverse)}`,
      '',
    ].join('\n'),
  );
  return { configFile, dbFile, customers };
}
