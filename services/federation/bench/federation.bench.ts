// pnpm bench:federation: req/s and p99 latency of our federation server on
// MySQL beside a minimal node:http + mysql2 server doing the same SELECT, in
// the same run on the same machine, at 50 connections.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import knex from 'knex';
import { createKnex } from '@anchor/support';
import { loadSampleData, SAMPLE_QUERIES } from '../src/sample/sample-data.js';

const ADMIN_URL = process.env.TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/mysql';
const ROUND_S = Number(process.env.BENCH_ROUND_S ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = 50;
const here = fileURLToPath(new URL('.', import.meta.url));

async function createDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `anchor_bench_${Date.now().toString(36)}`;
  const admin = knex({ client: 'mysql2', connection: ADMIN_URL });
  await admin.raw(`CREATE DATABASE ${name}`);
  await admin.destroy();
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const dropper = knex({ client: 'mysql2', connection: ADMIN_URL });
      await dropper.raw(`DROP DATABASE ${name}`);
      await dropper.destroy();
    },
  };
}

function startChild(args: string[], ready: RegExp): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const match = ready.exec(out);
      if (match) resolve({ child, port: Number(match[1]) });
    });
    child.on('exit', (code) => reject(new Error(`server exited (${code}): ${out}`)));
  });
}

const lookupUrl = (port: number) =>
  `http://127.0.0.1:${port}/federation?type=name&q=${encodeURIComponent('alice*bank.test')}`;

async function round(port: number, duration: number) {
  const result = await autocannon({ url: lookupUrl(port), connections: CONNECTIONS, duration });
  if (result.non2xx > 0 || result.errors > 0)
    throw new Error(`${result.non2xx} non-2xx, ${result.errors} errors`);
  return { rps: result.requests.average, p99: result.latency.p99 };
}

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

/** Alternates short rounds so that background load on the machine hits both servers alike. */
async function compare(baselinePort: number, ourPort: number) {
  await round(baselinePort, 2);
  await round(ourPort, 2);
  const baseline: { rps: number; p99: number }[] = [];
  const ours: { rps: number; p99: number }[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    baseline.push(await round(baselinePort, ROUND_S));
    ours.push(await round(ourPort, ROUND_S));
  }
  const summary = (runs: typeof baseline) => ({
    rps: median(runs.map((r) => r.rps)),
    p99: median(runs.map((r) => r.p99)),
  });
  return { baseline: summary(baseline), ours: summary(ours) };
}

const database = await createDatabase();
const children: ChildProcess[] = [];
try {
  const db = createKnex({ type: 'mysql', url: database.url });
  await loadSampleData(db, 'bank.test');
  await db.destroy();

  const dir = mkdtempSync(join(os.tmpdir(), 'fed-bench-'));
  const config = join(dir, 'federation.cfg');
  writeFileSync(
    config,
    `port = 0\nlog_format = "json"\n[database]\ntype = "mysql"\ndsn = ${JSON.stringify(database.url)}\n[queries]\nfederation = ${JSON.stringify(SAMPLE_QUERIES.federation)}\n`,
  );
  const ours = await startChild(
    [join(here, '../bin/federation.js'), '--conf', config],
    /listening on http:\/\/[^:]+:(\d+)/,
  );
  children.push(ours.child);
  const baseline = await startChild(
    ['--import', 'tsx', join(here, 'baseline-server.ts'), database.url, '0'],
    /listening on (\d+)/,
  );
  children.push(baseline.child);

  const { baseline: baselineResult, ours: ourResult } = await compare(baseline.port, ours.port);
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  console.log(
    `\nfederation benchmark: ${CONNECTIONS} connections, median of ${ROUNDS} alternating ${ROUND_S} s rounds, MySQL ${ADMIN_URL.replace(/\/\/[^@]*@/, '//')}`,
  );
  console.log(
    `machine: ${os.cpus().length} × ${cpu}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}\n`,
  );
  console.log('| server | req/s | p99 ms |');
  console.log('|---|---|---|');
  console.log(`| baseline (node:http + mysql2) | ${baselineResult.rps.toFixed(0)} | ${baselineResult.p99} |`);
  console.log(`| federation (ours) | ${ourResult.rps.toFixed(0)} | ${ourResult.p99} |`);
  console.log(`\nratio ours / baseline: ${(ourResult.rps / baselineResult.rps).toFixed(2)} (goal ≥ 0.80)`);
} finally {
  for (const child of children) child.kill('SIGTERM');
  await database.drop();
}
