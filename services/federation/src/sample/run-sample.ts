// `pnpm start` until the two-bank demo exists: writes a federation.cfg over an
// embedded SQLite file with sample customers, starts the real server binary on
// it, and prints where to look.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createKnex } from '@anchor/support';
import { loadSampleData, SAMPLE_QUERIES } from './sample-data.js';

const here = dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({
  options: { port: { type: 'string', default: '8002' }, dir: { type: 'string' } },
});
const port = Number(values.port);
const dir = resolve(values.dir ?? join(here, '../../../../.tmp/federation-sample'));
const domain = `localhost:${port}`;

mkdirSync(dir, { recursive: true });
const dbFile = join(dir, 'federation.sqlite');
const db = createKnex({ type: 'sqlite3', url: dbFile });
const customers = await loadSampleData(db, domain);
await db.destroy();

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

const server = spawn(process.execPath, [join(here, '../../bin/federation.js'), '--conf', configFile], {
  stdio: 'inherit',
});
const url = `http://localhost:${port}/federation`;
process.stdout.write(
  [
    '',
    `Federation server (SEP-2) on SQLite with ${customers.length} sample customers: ${url}`,
    `  config: ${configFile}`,
    `  try:    curl '${url}?type=name&q=alice*${domain}'`,
    `          curl '${url}?type=id&q=${customers.find((c) => c.name === 'carol')?.accountId}'`,
    'Ctrl-C stops it.',
    '',
  ].join('\n'),
);
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => server.kill(signal));
server.on('exit', (code) => process.exit(code ?? 0));
