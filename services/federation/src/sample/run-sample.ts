// `pnpm start` until the two-bank demo exists: writes a federation.cfg over an
// embedded SQLite file with sample customers, starts the real server binary on
// it, and prints where to look.
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { writeSampleSetup } from './sample-setup.js';

const here = dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({
  options: { port: { type: 'string', default: '8002' }, dir: { type: 'string' } },
});
const port = Number(values.port);
const dir = resolve(values.dir ?? join(here, '../../../../.tmp/federation-sample'));
const domain = `localhost:${port}`;

mkdirSync(dir, { recursive: true });
const { configFile, customers } = await writeSampleSetup(dir, domain, port);

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
