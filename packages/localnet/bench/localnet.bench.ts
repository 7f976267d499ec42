// pnpm bench:localnet — throughput of the local network on this machine, each figure beside a
// baseline measured in the same run:
//   1. single-payment transactions: HTTP submit (POST /transactions_async, validation incl.
//      ed25519 verify) + ledger close (re-validation, application, history) for N sources;
//   2. 100-operation payment transactions, same pipeline;
//   3. SSE: records/s delivered to 10 concurrent /payments streams for one large ledger;
//   4. catch-up over the whole history: Stellar RPC getEvents pages (CAP-67 events/s) beside
//      Horizon /payments pages (records/s), one client each, in the same run.
// Baseline ("floor"): raw ed25519 verifications + envelope XDR decodes per second, i.e. the
// cost a validating server cannot avoid per transaction. The server runs in a worker thread
// (bench/server-worker.ts) so the load generator does not share its event loop: 2 cores.
import { createPrivateKey, sign as edSign, verify as edVerify, createPublicKey } from 'node:crypto';
import { Agent, request } from 'node:http';
import { cpus, loadavg } from 'node:os';
import { Worker } from 'node:worker_threads';
import {
  Account,
  Asset,
  Keypair,
  Operation,
  TransactionBuilder,
  xdr,
  type Transaction,
} from '@stellar/stellar-sdk';

const SINGLE_TXS = Number(process.env.BENCH_SINGLE_TXS ?? 3000);
const BATCH_TXS = Number(process.env.BENCH_BATCH_TXS ?? 60);
const SSE_CLIENTS = 10;
const CONCURRENCY = 32;

const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/** Signs with node's native ed25519 (setup speed only; the server never sees the difference). */
function fastSign(tx: Transaction, kp: Keypair): void {
  const key = createPrivateKey({
    key: Buffer.concat([PKCS8_ED25519_PREFIX, kp.rawSecretKey()]),
    format: 'der',
    type: 'pkcs8',
  });
  const sig = edSign(null, tx.hash(), key);
  tx.addSignature(kp.publicKey(), sig.toString('base64'));
}

const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });

function post(net: Net, path: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${net.url}${path}`,
      {
        method: 'POST',
        agent,
        headers: {
          'Content-Type': 'application/x-www-form-urlencoded',
          'Content-Length': Buffer.byteLength(body),
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.setNoDelay(true);
    req.on('error', reject);
    req.end(body);
  });
}

async function pool<T>(items: T[], n: number, fn: (t: T) => Promise<void>): Promise<void> {
  let i = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (i < items.length) await fn(items[i++]!);
    }),
  );
}

function rate(count: number, ms: number): string {
  return `${Math.round((count / ms) * 1000).toLocaleString('en-US')}/s`;
}

interface Net {
  url: string;
  passphrase: string;
  call<T>(msg: Record<string, unknown>): Promise<T>;
  worker: Worker;
}

async function startWorker(): Promise<Net> {
  const api = import.meta.resolve('tsx/esm/api');
  const file = new URL('./server-worker.ts', import.meta.url).href;
  const worker = new Worker(
    `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(file)}); })`,
    { eval: true },
  );
  const hello = await new Promise<{ url: string; passphrase: string }>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  let chain = Promise.resolve() as Promise<unknown>;
  const call = <T>(msg: Record<string, unknown>) => {
    const next = chain.then(
      () =>
        new Promise<T>((resolve) => {
          worker.once('message', resolve);
          worker.postMessage(msg);
        }),
    );
    chain = next;
    return next;
  };
  return { ...hello, call, worker };
}

function baseline(
  envelope: string,
  kp: Keypair,
  hash: Buffer,
): { verifyPerSec: number; decodePerSec: number; floorTxPerSec: number } {
  const pub = createPublicKey({
    key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), kp.rawPublicKey()]),
    format: 'der',
    type: 'spki',
  });
  const sig = kp.sign(hash);
  const measure = (fn: () => void) => {
    const t0 = performance.now();
    let n = 0;
    while (performance.now() - t0 < 1000) {
      for (let i = 0; i < 100; i++) fn();
      n += 100;
    }
    return (n / (performance.now() - t0)) * 1000;
  };
  const verifyPerSec = measure(() => edVerify(null, hash, pub, sig));
  const decodePerSec = measure(() => xdr.TransactionEnvelope.fromXDR(envelope, 'base64'));
  return { verifyPerSec, decodePerSec, floorTxPerSec: 1 / (1 / verifyPerSec + 1 / decodePerSec) };
}

async function runPipeline(net: Net, envelopes: string[], opsPerTx: number, label: string) {
  const t0 = performance.now();
  const statuses = new Map<number, number>();
  await pool(envelopes, CONCURRENCY, async (e) => {
    const s = await post(net, '/transactions_async', `tx=${encodeURIComponent(e)}`);
    statuses.set(s, (statuses.get(s) ?? 0) + 1);
  });
  const t1 = performance.now();
  const { appliedOps: applied } = await net.call<{ appliedOps: number }>({ cmd: 'close' });
  const t2 = performance.now();
  const txs = envelopes.length;
  console.log(
    `\n${label}: ${txs} txs × ${opsPerTx} op(s), HTTP statuses ${JSON.stringify(Object.fromEntries(statuses))}`,
  );
  console.log(`  submit (HTTP + validate):   ${(t1 - t0).toFixed(0)} ms  → ${rate(txs, t1 - t0)} tx`);
  console.log(
    `  close (re-validate + apply + history): ${(t2 - t1).toFixed(0)} ms  → ${rate(applied, t2 - t1)} ops`,
  );
  console.log(
    `  end to end:                 ${(t2 - t0).toFixed(0)} ms  → ${rate(txs, t2 - t0)} tx, ${rate(applied, t2 - t0)} ops applied`,
  );
  return { txs, applied, submitMs: t1 - t0, closeMs: t2 - t1, totalMs: t2 - t0 };
}

/** Counts streamed records until `expected`, reconnecting from the last id after each "byebye". */
function sseClient(net: Net, cursor: string, expected: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let count = 0;
    let lastId = cursor;
    const connect = () => {
      let tail = '';
      const req = request(
        `${net.url}/payments?cursor=${lastId}&limit=200`,
        { headers: { Accept: 'text/event-stream' } },
        (res) => {
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            // Only whole frames are counted; a partial one waits in `tail` for the next chunk.
            const text = tail + chunk;
            const cut = text.lastIndexOf('\n\n') + 1;
            for (const m of text.slice(0, cut).matchAll(/\nid: (\d+)\n/g)) {
              count++;
              lastId = m[1]!;
            }
            tail = text.slice(cut);
            if (count >= expected) {
              resolve(performance.now());
              req.destroy();
            }
          });
          res.on('end', () => {
            if (count < expected) connect();
          });
        },
      );
      req.on('error', (e) => {
        if (count < expected) reject(e);
      });
      req.end();
    };
    connect();
  });
}

async function getJson<T>(url: string, body?: unknown): Promise<T> {
  const r = await fetch(
    url,
    body === undefined
      ? {}
      : { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) },
  );
  return (await r.json()) as T;
}

interface EventsPage {
  result: { events: { topic: string[] }[]; cursor: string };
}

/** Reads every event from ledger 1 with getEvents pages of `limit`; counts them and the transfers. */
async function rpcCatchUp(
  net: Net,
  limit: number,
): Promise<{ events: number; transfers: number; ms: number }> {
  const transfer = xdr.ScVal.scvSymbol('transfer').toXDR('base64');
  let params: Record<string, unknown> = { startLedger: 1, filters: [], pagination: { limit } };
  let events = 0;
  let transfers = 0;
  const t0 = performance.now();
  for (;;) {
    const page = await getJson<EventsPage>(`${net.url}/rpc`, {
      jsonrpc: '2.0',
      id: 1,
      method: 'getEvents',
      params,
    });
    events += page.result.events.length;
    for (const e of page.result.events) if (e.topic[0] === transfer) transfers++;
    if (page.result.events.length < limit) break;
    params = { filters: [], pagination: { cursor: page.result.cursor, limit } };
  }
  return { events, transfers, ms: performance.now() - t0 };
}

/** Reads every payment with Horizon /payments pages of 200 (its maximum). */
async function horizonCatchUp(net: Net): Promise<{ records: number; ms: number }> {
  let url = `${net.url}/payments?limit=200&order=asc`;
  let records = 0;
  const t0 = performance.now();
  for (;;) {
    const page = await getJson<{ _embedded: { records: unknown[] }; _links: { next: { href: string } } }>(
      url,
    );
    records += page._embedded.records.length;
    if (page._embedded.records.length < 200) break;
    url = page._links.next.href;
  }
  return { records, ms: performance.now() - t0 };
}

async function main(): Promise<void> {
  const net = await startWorker();
  const passphrase = net.passphrase;
  console.log(
    `localnet benchmark — ${cpus().length} CPU(s), ${cpus()[0]?.model ?? 'unknown'}, Node ${process.version}, ` +
      `load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')} (other work on the box skews every figure)`,
  );

  const dest = Keypair.random();
  const singles = Array.from({ length: SINGLE_TXS }, () => Keypair.random());
  const batchers = Array.from({ length: BATCH_TXS }, () => Keypair.random());
  const everyone = [dest, ...singles, ...batchers].map((k) => k.publicKey());
  await net.call({ cmd: 'fund', addresses: everyone });
  const { seqs } = await net.call<{ seqs: string[] }>({ cmd: 'seqs', addresses: everyone });
  const accounts = new Map(everyone.map((a, i) => [a, new Account(a, seqs[i]!)]));

  // TransactionBuilder.build() increments the Account's sequence, so successive builds chain.
  const build = (kp: Keypair, ops: number) => {
    const b = new TransactionBuilder(accounts.get(kp.publicKey())!, {
      fee: '100',
      networkPassphrase: passphrase,
    });
    for (let i = 0; i < ops; i++)
      b.addOperation(
        Operation.payment({ destination: dest.publicKey(), asset: Asset.native(), amount: '0.0000001' }),
      );
    const tx = b.setTimeout(0).build();
    fastSign(tx, kp);
    return tx;
  };

  const sampleKp = Keypair.random();
  const sample = new TransactionBuilder(new Account(sampleKp.publicKey(), '1'), {
    fee: '100',
    networkPassphrase: passphrase,
  })
    .addOperation(Operation.payment({ destination: dest.publicKey(), asset: Asset.native(), amount: '1' }))
    .setTimeout(0)
    .build();
  const base = baseline(sample.toEnvelope().toXDR('base64'), sampleKp, sample.hash());
  console.log(
    `\nbaseline (1 core): ed25519 verify ${Math.round(base.verifyPerSec).toLocaleString('en-US')}/s, envelope XDR decode ${Math.round(base.decodePerSec).toLocaleString('en-US')}/s → floor ${Math.round(base.floorTxPerSec).toLocaleString('en-US')} single-payment tx/s`,
  );

  const single = await runPipeline(
    net,
    singles.map((k) => build(k, 1).toEnvelope().toXDR('base64')),
    1,
    'single-payment transactions',
  );
  const batch = await runPipeline(
    net,
    batchers.map((k) => build(k, 100).toEnvelope().toXDR('base64')),
    100,
    '100-operation transactions',
  );

  // SSE: 10 clients follow /payments from "now"; one ledger of payments fans out to all of them.
  const cursor = 'now';
  const envelopes = singles.map((k) => build(k, 1).toEnvelope().toXDR('base64'));
  await pool(envelopes, CONCURRENCY, async (e) => {
    await post(net, '/transactions_async', `tx=${encodeURIComponent(e)}`);
  });
  const clients = Array.from({ length: SSE_CLIENTS }, () => sseClient(net, cursor, envelopes.length));
  await new Promise((r) => setTimeout(r, 200));
  const t0 = performance.now();
  await net.call({ cmd: 'close' });
  const ends = await Promise.all(clients);
  const sseMs = Math.max(...ends) - t0;
  const delivered = envelopes.length * SSE_CLIENTS;
  console.log(
    `\nSSE: ${envelopes.length} payment records × ${SSE_CLIENTS} clients in ${sseMs.toFixed(0)} ms (incl. the ledger close) → ${rate(delivered, sseMs)} records delivered`,
  );

  // Catch-up: the first RPC request takes in every ledger closed so far (events, meta); timed
  // on its own, then each API is read from the start by one client.
  const s0 = performance.now();
  await getJson(`${net.url}/rpc`, { jsonrpc: '2.0', id: 1, method: 'getLatestLedger' });
  const indexMs = performance.now() - s0;
  const horizon = await horizonCatchUp(net);
  const rpcMax = await rpcCatchUp(net, 10_000);
  const rpc200 = await rpcCatchUp(net, 200);
  console.log(`\ncatch-up from ledger 1 (one client each):`);
  console.log(`  RPC view built on first request: ${indexMs.toFixed(0)} ms`);
  console.log(
    `  Horizon /payments, pages of 200:  ${horizon.records} records in ${horizon.ms.toFixed(0)} ms → ${rate(horizon.records, horizon.ms)}`,
  );
  for (const [label, r] of [
    ['RPC getEvents, pages of 10,000:', rpcMax],
    ['RPC getEvents, pages of 200:   ', rpc200],
  ] as const) {
    console.log(
      `  ${label} ${r.events} events (${r.transfers} transfers) in ${r.ms.toFixed(0)} ms → ${rate(r.events, r.ms)} events, ${rate(r.transfers, r.ms)} transfers`,
    );
  }

  console.log('\nsummary');
  console.log(
    `  single-payment: ${rate(single.txs, single.totalMs)} tx end to end (floor ${Math.round(base.floorTxPerSec)}/s per core)`,
  );
  console.log(`  100-op:         ${rate(batch.applied, batch.totalMs)} payment ops end to end`);
  console.log(`  SSE:            ${rate(delivered, sseMs)} records to ${SSE_CLIENTS} clients`);
  console.log(
    `  catch-up:       RPC ${rate(rpcMax.events, rpcMax.ms)} events (pages of 10,000), ${rate(rpc200.events, rpc200.ms)} (pages of 200); Horizon ${rate(horizon.records, horizon.ms)} payments (pages of 200)`,
  );
  agent.destroy();
  await net.call({ cmd: 'stop' });
  await net.worker.terminate();
}

await main();
