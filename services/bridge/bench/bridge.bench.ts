// pnpm bench:bridge — the bridge on localnet with 5 s ledgers (BENCH_LEDGER_MS):
//  (a) one source account, one payment per transaction (the legacy design; Horizon);
//  (b) channel accounts + batching, outgoing payments per ledger;
//  (c) the listener catching up on a backlog, delivering to a loopback callback;
// (b) and (c) once over Horizon and once over Stellar RPC (BENCH_NETWORKS=horizon,rpc), side by side.
// Writes the figures and the machine to services/bridge/BENCHMARKS.md.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { Asset, Horizon, Keypair, Operation, TransactionBuilder } from '@stellar/stellar-sdk';
import { createKnex, createSilentLogger, migrateLatest, startServer } from '@anchor/support';
import { start as startLocalnet, type Localnet } from '../../../packages/localnet/src/index.js';
import { createBridge } from '../src/bridge.js';
import { parseBridgeConfig } from '../src/config.js';
import { migrations, MIGRATIONS_TABLE } from '../src/migrations/index.js';

const LEDGER_MS = Number(process.env.BENCH_LEDGER_MS ?? 5000);
const CHANNELS = Number(process.env.BENCH_CHANNELS ?? 10);
const BATCH_PAYMENTS = Number(process.env.BENCH_BATCH_PAYMENTS ?? 3000);
const BACKLOG = Number(process.env.BENCH_BACKLOG ?? 2000);
const SINGLE_SECONDS = Number(process.env.BENCH_SINGLE_SECONDS ?? 25);
const NETWORKS = (process.env.BENCH_NETWORKS ?? 'horizon,rpc').split(',') as Backend[];
/** BENCH_ONLY_CATCH_UP=1 times only (c), printing it without rewriting BENCHMARKS.md (for profiling). */
const ONLY_CATCH_UP = process.env.BENCH_ONLY_CATCH_UP === '1';
/** RPC polling (getTransaction after sendTransaction, getEvents) in the benchmark. */
const RPC_POLL_MS = Number(process.env.BENCH_RPC_POLL_MS ?? 250);

type Backend = 'horizon' | 'rpc';

/** The bridge's network keys for `backend`: Horizon, or localnet's RPC with no Horizon at all. */
function networkConfig(net: Localnet, backend: Backend): Record<string, unknown> {
  if (backend === 'horizon') return { horizon: net.url };
  return { network: { backend: 'rpc', rpc_url: net.rpcUrl, poll_interval_ms: RPC_POLL_MS } };
}

const dir = mkdtempSync(join(os.tmpdir(), 'bridge-bench-'));
let dbCount = 0;
async function database() {
  const db = { type: 'sqlite3' as const, url: join(dir, `bench-${dbCount++}.sqlite`) };
  const knex = createKnex(db);
  await migrateLatest(knex, migrations, MIGRATIONS_TABLE);
  await knex.destroy();
  return db;
}

async function bridgeFor(net: Localnet, raw: Record<string, unknown>, backend: Backend = 'horizon') {
  const config = parseBridgeConfig({
    port: 0,
    ...networkConfig(net, backend),
    network_passphrase: net.networkPassphrase,
    ...raw,
  });
  const bridge = await createBridge(config, createSilentLogger());
  await bridge.start();
  const server = await startServer(bridge.app, { port: 0 });
  return { bridge, url: server.url, close: async () => (await server.close(), await bridge.close()) };
}

async function fundMany(net: Localnet, n: number, amount = '1000'): Promise<Keypair[]> {
  const kps = Array.from({ length: n }, () => Keypair.random());
  await Promise.all(kps.map((k) => net.fund(k.publicKey(), amount)));
  return kps;
}

async function pay(url: string, body: Record<string, string>) {
  const res = await fetch(`${url}/payment`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(body).toString(),
  });
  return { status: res.status, json: (await res.json()) as { ledger?: number; hash?: string } };
}

function perLedger(results: { status: number; json: { ledger?: number } }[]) {
  const byLedger = new Map<number, number>();
  for (const r of results)
    if (r.status === 200 && r.json.ledger)
      byLedger.set(r.json.ledger, (byLedger.get(r.json.ledger) ?? 0) + 1);
  const counts = [...byLedger.values()];
  const landed = counts.reduce((a, b) => a + b, 0);
  const ledgers = byLedger.size ? Math.max(...byLedger.keys()) - Math.min(...byLedger.keys()) + 1 : 0;
  return {
    landed,
    ledgers,
    max: counts.length ? Math.max(...counts) : 0,
    mean: ledgers ? landed / ledgers : 0,
  };
}

async function benchSingle(net: Localnet) {
  const base = (await fundMany(net, 1, '100000'))[0] as Keypair;
  const targets = await fundMany(net, 5);
  const b = await bridgeFor(net, { database: await database(), accounts: { base_seed: base.secret() } });
  // Keep the one source busy for SINGLE_SECONDS: a queue deeper than it can drain.
  const deadline = Date.now() + SINGLE_SECONDS * 1000;
  const results: Awaited<ReturnType<typeof pay>>[] = [];
  let i = 0;
  const worker = async () => {
    while (Date.now() < deadline)
      results.push(await pay(b.url, { destination: (targets[i++ % 5] as Keypair).publicKey(), amount: '1' }));
  };
  await Promise.all(Array.from({ length: 10 }, worker));
  await b.close();
  return perLedger(results);
}

async function benchBatched(net: Localnet, backend: Backend) {
  const base = (await fundMany(net, 1, '1000000'))[0] as Keypair;
  const channels = await fundMany(net, CHANNELS, '100');
  const targets = await fundMany(net, 20);
  const b = await bridgeFor(
    net,
    {
      database: await database(),
      accounts: { base_seed: base.secret() },
      submitter: {
        channel_seeds: channels.map((c) => c.secret()),
        batching: true,
        batch_max_operations: 100,
      },
    },
    backend,
  );
  const started = Date.now();
  const results = await Promise.all(
    Array.from({ length: BATCH_PAYMENTS }, (_, i) =>
      pay(b.url, { id: `bench-${i}`, destination: (targets[i % 20] as Keypair).publicKey(), amount: '1' }),
    ),
  );
  const seconds = (Date.now() - started) / 1000;
  const transactions = b.bridge.submitter.submitted;
  await b.close();
  return {
    ...perLedger(results),
    seconds,
    transactions,
    failed: results.filter((r) => r.status !== 200).length,
  };
}

async function benchCatchUp(net: Localnet, backend: Backend) {
  const receiving = (await fundMany(net, 1))[0] as Keypair;
  const senders = await fundMany(net, Math.ceil(BACKLOG / 100), '10000');
  let delivered = 0;
  const ids = new Set<string>();
  let done: () => void = () => undefined;
  const all = new Promise<void>((r) => (done = r));
  const callback = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const id = new URLSearchParams(body).get('id') ?? '';
      if (!ids.has(id)) {
        ids.add(id);
        delivered++;
        if (delivered === BACKLOG) done();
      }
      res.end();
    });
  });
  await new Promise<void>((r) => callback.listen(0, '127.0.0.1', r));
  const db = await database();
  const config = {
    database: db,
    accounts: { receiving_account_id: receiving.publicKey() },
    assets: [{ code: 'XLM' }],
    callbacks: { receive: `http://127.0.0.1:${(callback.address() as AddressInfo).port}/receive` },
    listener: { delivery_concurrency: 16 },
  };
  // First start records the cursor ("now"); stop; build the backlog; restart and time the catch-up.
  let b = await bridgeFor(net, config, backend);
  while (b.bridge.listener?.states.get(receiving.publicKey())?.state !== 'streaming')
    await new Promise((r) => setTimeout(r, 50));
  await b.close();
  const server = new Horizon.Server(net.url, { allowHttp: true });
  await Promise.all(
    senders.map(async (s) => {
      const account = await server.loadAccount(s.publicKey());
      const builder = new TransactionBuilder(account, {
        fee: '100',
        networkPassphrase: net.networkPassphrase,
      }).setTimeout(120);
      for (let i = 0; i < 100; i++)
        builder.addOperation(
          Operation.payment({ destination: receiving.publicKey(), asset: Asset.native(), amount: '0.01' }),
        );
      const tx = builder.build();
      tx.sign(s);
      await server.submitTransaction(tx, { skipMemoRequiredCheck: true });
    }),
  );
  // Localnet builds its RPC view lazily, on the next RPC request (real RPC ingests each ledger as
  // it closes): take the backlog in before the clock starts, so the figure is the bridge's.
  await fetch(net.rpcUrl, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'getLatestLedger' }),
  });
  const started = Date.now();
  b = await bridgeFor(net, config, backend);
  await all;
  const seconds = (Date.now() - started) / 1000;
  await b.close();
  callback.close();
  return { delivered, seconds, rate: delivered / seconds };
}

async function main() {
  const net = await startLocalnet({ port: 0, closeIntervalMs: LEDGER_MS, logLevel: 'error' });
  try {
    console.log(`localnet ${net.url}, ledgers every ${LEDGER_MS} ms`);
    if (ONLY_CATCH_UP) {
      for (const backend of NETWORKS)
        console.log(`(c) ${backend}: listener catch-up`, await benchCatchUp(net, backend));
      return;
    }
    const single = await benchSingle(net);
    console.log('(a) single source', single);
    const results = new Map<
      Backend,
      { batched: Awaited<ReturnType<typeof benchBatched>>; catchUp: Awaited<ReturnType<typeof benchCatchUp>> }
    >();
    for (const backend of NETWORKS) {
      const batched = await benchBatched(net, backend);
      console.log(`(b) ${backend}: channels + batching`, batched);
      const catchUp = await benchCatchUp(net, backend);
      console.log(`(c) ${backend}: listener catch-up`, catchUp);
      results.set(backend, { batched, catchUp });
    }
    const row = (label: string, cell: (r: NonNullable<ReturnType<typeof results.get>>) => string) =>
      `| ${label} | ${NETWORKS.map((n) => cell(results.get(n) as NonNullable<ReturnType<typeof results.get>>)).join(' | ')} |`;
    const horizon = results.get('horizon');
    const rpcRun = results.get('rpc');
    const ratio = horizon && rpcRun ? (rpcRun.catchUp.rate / horizon.catchUp.rate).toFixed(2) : 'n/a';
    const side = [
      `| scenario | ${NETWORKS.join(' | ')} |`,
      `|---|${NETWORKS.map(() => '---|').join('')}`,
      row(
        `(b) ${CHANNELS} channel accounts + batching (≤100 ops/tx), ${BATCH_PAYMENTS} payments: outgoing payments per ledger`,
        (r) =>
          `**${r.batched.mean.toFixed(0)}** mean, ${r.batched.max} max (${r.batched.landed} landed in ${r.batched.ledgers} ledgers, ${r.batched.transactions} transactions, ${r.batched.failed} failed, ${r.batched.seconds.toFixed(1)} s)`,
      ),
      row(
        `(c) listener catch-up on a ${BACKLOG}-payment backlog to a loopback callback`,
        (r) =>
          `**${r.catchUp.rate.toFixed(0)} payments/s** (${r.catchUp.delivered} in ${r.catchUp.seconds.toFixed(1)} s)`,
      ),
    ].join('\n');
    console.log(side);
    const cpus = os.cpus();
    const md = `# Bridge benchmarks

Run: \`pnpm bench:bridge\` (services/bridge/bench/bridge.bench.ts). Everything on one machine over
loopback: localnet (in-process, ${LEDGER_MS} ms ledgers), the bridge (in-process, SQLite file
database), a loopback callback server.

Machine: ${cpus[0]?.model ?? 'unknown'} × ${cpus.length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM,
${os.type()} ${os.release()}, Node ${process.version}. Date: ${new Date().toISOString()}.

| scenario | result |
|---|---|
| (a) one source account, one payment per transaction (legacy design, Horizon) | **${single.mean.toFixed(2)} payments/ledger** (${single.landed} payments over ${single.ledgers} ledgers) |

Horizon and Stellar RPC side by side (same run, same localnet; RPC polls every ${RPC_POLL_MS} ms):

${side}

RPC catch-up / Horizon catch-up: **${ratio}**. Goals: (b) ≥ 500 payments per ledger and ≥ 100× (a)
(issue #5); catch-up ≥ 200 payments/s (issue #5); over RPC ≥ 1,000 payments/s and ≥ 0.8× Horizon
(issue #11).

Notes: (a) is bounded by the network rule of one transaction per source account per ledger, so
it is ~1 payment per ledger whatever the hardware. (b) scales with channels × 100 operations;
with ${CHANNELS} channels the ceiling is ${CHANNELS * 100} payments per ledger; the figure above
also includes the per-request destination lookup on Horizon and the SQLite writes.
`;
    writeFileSync(resolve(import.meta.dirname, '../BENCHMARKS.md'), md);
    console.log(md);
  } finally {
    await net.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
