// Legacy scenarios that need a network which misbehaves on purpose (legacy-reference §7.2 P-14,
// §7.3 A-3, §7.5 L-6, §7.6 S-1): a stand-in proxy in front of a real localnet forwards
// everything — streams and Stellar RPC's POST /rpc included — except what a test decides to
// answer itself. Each scenario runs on both backends unless its answer is Horizon's own.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  Asset,
  Keypair,
  Memo,
  Operation,
  TransactionBuilder,
  xdr,
  type Transaction,
} from '@stellar/stellar-sdk';
import { databaseLegs, type TestDatabase } from '@anchor/support/testing';
import { createKnex } from '@anchor/support';
import {
  bridgeLegs,
  form,
  funded,
  horizon,
  localnet,
  migrate,
  networkLegs,
  postPayment,
  recorder,
  runBridge,
  submitOps,
  until,
  xlmBalance,
  type Localnet,
  type NetworkLeg,
  type Recorder,
  type RunningBridge,
} from './helpers.js';

const PASSPHRASE = 'Standalone Network ; February 2017';
/** The legacy P-14 vector: a TransactionResult with code txBAD_SEQ. */
const BAD_SEQ_RESULT_XDR = 'AAAAAAAAAAD////7AAAAAA==';

interface Seen {
  method: string;
  path: string;
  body: Buffer;
}
/** Answer it here (`status` + JSON body), cut the connection, or undefined = forward. */
type Answer = { status: number; body?: unknown } | 'destroy' | undefined;

interface StandIn {
  url: string;
  seen: Seen[];
  answer: (req: Seen) => Answer;
  /** Rewrites the forwarded path (and query). */
  rewrite: (path: string) => string;
  close(): Promise<void>;
}

async function standIn(target: string): Promise<StandIn> {
  const up = new URL(target);
  const proxy: StandIn = {
    url: '',
    seen: [],
    answer: () => undefined,
    rewrite: (p) => p,
    close: async () => undefined,
  };
  const upstreams = new Set<http.ClientRequest>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const seen = { method: req.method ?? 'GET', path: req.url ?? '/', body: Buffer.concat(chunks) };
      proxy.seen.push(seen);
      const answer = proxy.answer(seen);
      if (answer === 'destroy') {
        req.socket.destroy();
        return;
      }
      if (answer) {
        const type = rpcCall(seen) ? 'application/json' : 'application/problem+json';
        res.writeHead(answer.status, { 'Content-Type': type });
        res.end(JSON.stringify(answer.body ?? { status: answer.status }));
        return;
      }
      const headers = { ...req.headers, host: up.host };
      const forward = http.request(
        { host: up.hostname, port: up.port, method: seen.method, path: proxy.rewrite(seen.path), headers },
        (upRes) => {
          res.writeHead(upRes.statusCode ?? 502, upRes.headers);
          upRes.pipe(res);
        },
      );
      upstreams.add(forward);
      forward.on('close', () => upstreams.delete(forward));
      forward.on('error', () => res.destroy());
      res.on('close', () => forward.destroy());
      forward.end(seen.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxy.close = () =>
    new Promise((resolve) => {
      for (const u of upstreams) u.destroy();
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return proxy;
}

/** The JSON-RPC request of a call to Stellar RPC; undefined for a Horizon request. */
function rpcCall(r: Seen): { id: unknown; method: string; params?: Record<string, unknown> } | undefined {
  if (r.method !== 'POST' || r.path.split('?')[0] !== '/rpc') return undefined;
  return JSON.parse(r.body.toString('utf8')) as { id: unknown; method: string };
}
/** A JSON-RPC 2.0 success answer to `r` (stellar-rpc's envelope). */
const rpcResult = (r: Seen, result: unknown): Answer => ({
  status: 200,
  body: { jsonrpc: '2.0', id: rpcCall(r)?.id, result },
});
const isSubmit = (r: Seen) =>
  (r.method === 'POST' && r.path.startsWith('/transactions')) || rpcCall(r)?.method === 'sendTransaction';
const submittedEnvelope = (r: Seen) =>
  (rpcCall(r)?.params?.transaction as string | undefined) ??
  new URLSearchParams(r.body.toString('utf8')).get('tx') ??
  '';
const submittedHash = (r: Seen) =>
  TransactionBuilder.fromXDR(submittedEnvelope(r), PASSPHRASE).hash().toString('hex');
/** Horizon's GET /accounts/:id, or RPC's getLedgerEntries asking for that account's entry. */
function isAccountLoad(r: Seen, id: string): boolean {
  if (r.method === 'GET') return r.path.split('?')[0] === `/accounts/${id}`;
  const call = rpcCall(r);
  if (call?.method !== 'getLedgerEntries') return false;
  const key = xdr.LedgerKey.account(
    new xdr.LedgerKeyAccount({ accountId: Keypair.fromPublicKey(id).xdrPublicKey() }),
  ).toXDR('base64');
  return ((call.params?.keys as string[] | undefined) ?? []).includes(key);
}
const accountLoads = (proxy: StandIn, id: string) => proxy.seen.filter((r) => isAccountLoad(r, id)).length;
const txFromXdr = (envelope: string) => TransactionBuilder.fromXDR(envelope, PASSPHRASE) as Transaction;

async function post(url: string, body: Record<string, string>) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: form(body),
  });
  const text = await res.text();
  return { status: res.status, json: JSON.parse(text) as Record<string, unknown> };
}

let net: Localnet;
let proxy: StandIn;
beforeAll(async () => {
  net = await localnet(200);
  proxy = await standIn(net.url);
});
afterAll(async () => {
  await proxy?.close();
  await net?.close();
});
afterEach(() => {
  proxy.answer = () => undefined;
  proxy.rewrite = (p) => p;
});

/** The network refusing a submission with txBAD_SEQ, as each backend words it. */
const badSeqAnswers: Record<NetworkLeg['name'], [string, (r: Seen) => Answer][]> = {
  horizon: [
    [
      'the legacy result XDR only',
      (r) => ({
        status: 400,
        body: {
          type: 'transaction_failed',
          status: 400,
          extras: { envelope_xdr: submittedEnvelope(r), result_xdr: BAD_SEQ_RESULT_XDR },
        },
      }),
    ],
    [
      'result codes',
      (r) => ({
        status: 400,
        body: {
          type: 'transaction_failed',
          status: 400,
          extras: {
            envelope_xdr: submittedEnvelope(r),
            result_xdr: BAD_SEQ_RESULT_XDR,
            result_codes: { transaction: 'tx_bad_seq' },
          },
        },
      }),
    ],
  ],
  // stellar-rpc cmd/stellar-rpc/internal/methods/send_transaction.go: status ERROR, errorResultXdr.
  rpc: [
    [
      'sendTransaction ERROR',
      (r) =>
        rpcResult(r, {
          status: 'ERROR',
          hash: submittedHash(r),
          errorResultXdr: BAD_SEQ_RESULT_XDR,
          latestLedger: net.latestLedger(),
          latestLedgerCloseTime: String(Math.floor(Date.now() / 1000)),
        }),
    ],
  ],
};

describe.each(networkLegs())(
  'P-14 over $name: a tx_bad_seq result that resyncing does not cure → 400 transaction_bad_seq',
  (network) => {
    it.each(badSeqAnswers[network.name])(
      'without a database, the network answering %s: resynced and rebuilt bad_seq_retries times, then the legacy error',
      async (_name, badSeq) => {
        const base = await funded(net);
        const to = await funded(net, '100');
        const bridge = await runBridge({
          ...network.config(proxy),
          accounts: { base_seed: base.secret() },
          submitter: { bad_seq_retries: 2 },
        });
        try {
          const seen = proxy.seen.length;
          proxy.answer = (r) => (isSubmit(r) ? badSeq(r) : undefined);
          const res = await postPayment(bridge.url, { destination: to.publicKey(), amount: '5' });
          expect(res.status).toBe(400);
          expect(res.json).toMatchObject({
            code: 'transaction_bad_seq',
            message: 'Bad Sequence. Please, try again.',
          });
          expect(Object.keys(res.json).filter((k) => k !== 'data')).toEqual(['code', 'message']);
          const after = proxy.seen.slice(seen);
          // The first submission and 2 rebuilds, each after re-reading the sequence from the network.
          expect(after.filter(isSubmit)).toHaveLength(3);
          expect(after.filter((r) => isAccountLoad(r, base.publicKey()))).toHaveLength(3);
          expect(await xlmBalance(net, to.publicKey())).toBeCloseTo(100, 5);
          // The lane is resynced again for the next payment, which lands.
          proxy.answer = () => undefined;
          const ok = await postPayment(bridge.url, { destination: to.publicKey(), amount: '5' });
          expect(ok.status).toBe(200);
          expect(await xlmBalance(net, to.publicKey())).toBeCloseTo(105, 5);
        } finally {
          await bridge.close();
        }
      },
    );

    it.each(databaseLegs(['sqlite3']))('on $type every attempt is recorded as a failure', async (leg) => {
      const database = (await leg.create()) as TestDatabase;
      await migrate(database);
      const base = await funded(net);
      const to = await funded(net, '100');
      const bridge = await runBridge({
        ...network.config(proxy),
        database: { type: database.type, url: database.url },
        accounts: { base_seed: base.secret() },
        submitter: { bad_seq_retries: 2 },
      });
      try {
        const [, badSeq] = badSeqAnswers[network.name][0] as [string, (r: Seen) => Answer];
        proxy.answer = (r) => (isSubmit(r) ? badSeq(r) : undefined);
        const res = await postPayment(bridge.url, { id: 'p14', destination: to.publicKey(), amount: '5' });
        expect(res).toMatchObject({
          status: 400,
          json: { code: 'transaction_bad_seq', message: 'Bad Sequence. Please, try again.' },
        });
        const db = createKnex(database);
        try {
          const rows = await db('sent_transaction').select();
          expect(rows.length).toBeGreaterThanOrEqual(1);
          expect(rows.every((r) => r.status === 'failure' && r.result_xdr === BAD_SEQ_RESULT_XDR)).toBe(true);
        } finally {
          await db.destroy();
        }
        expect(await xlmBalance(net, to.publicKey())).toBeCloseTo(100, 5);
      } finally {
        await bridge.close();
        await database.drop();
      }
    });
  },
);

describe.each(networkLegs())('A-3 /authorize whose submission fails over $name', (network) => {
  let bridge: RunningBridge;
  let issuer: Keypair;
  let trustor: Keypair;
  beforeAll(async () => {
    issuer = await funded(net);
    trustor = await funded(net);
    await submitOps(net, issuer, [Operation.setOptions({ setFlags: 3 as never })]);
    await submitOps(net, trustor, [Operation.changeTrust({ asset: new Asset('USD', issuer.publicKey()) })]);
    bridge = await runBridge({
      ...network.config(proxy),
      accounts: {
        authorizing_seed: issuer.secret(),
        issuing_account_id: issuer.publicKey(),
      },
      assets: [{ code: 'USD', issuer: issuer.publicKey() }],
    });
  });
  afterAll(async () => bridge?.close());

  const authorized = async () =>
    (
      (await horizon(net).loadAccount(trustor.publicKey())).balances.find(
        (b) => 'asset_code' in b && b.asset_code === 'USD',
      ) as { is_authorized?: boolean }
    ).is_authorized;
  const authorize = () =>
    post(`${bridge.url}/authorize`, { account_id: trustor.publicKey(), asset_code: 'USD' });

  it('the network unreachable before anything was sent → 503 horizon_unavailable (documented), nothing sent', async () => {
    proxy.answer = () => 'destroy';
    const res = await authorize();
    expect(res.status).toBe(503);
    expect(res.json).toMatchObject({ code: 'horizon_unavailable' });
    proxy.answer = () => undefined;
    expect(await authorized()).toBe(false);
  });

  const refusals: [string, { status: number; body: unknown }][] = [
    [
      'transaction_malformed (no result codes)',
      { status: 400, body: { type: 'transaction_malformed', title: 'Transaction Malformed', status: 400 } },
    ],
    ['an internal error of Horizon', { status: 500, body: { type: 'server_error', status: 500 } }],
    [
      'a result code outside the catalogue',
      {
        status: 400,
        body: {
          type: 'transaction_failed',
          status: 400,
          extras: { result_codes: { transaction: 'tx_internal_error' } },
        },
      },
    ],
  ];
  // Horizon only: these are Horizon's own refusals (RPC has no transaction_malformed problem type).
  if (network.name === 'horizon')
    it.each(refusals)(
      'Horizon refusing the submission with %s → 500 internal_server_error',
      async (_n, answer) => {
        proxy.answer = (r) => (isSubmit(r) ? answer : undefined);
        const res = await authorize();
        expect(res.status).toBe(500);
        expect(res.json).toMatchObject({ code: 'internal_server_error' });
        proxy.answer = () => undefined;
        expect(await authorized()).toBe(false);
      },
    );

  it('A-4 then succeeds through the same bridge (the lane resynced)', async () => {
    const res = await authorize();
    expect(res.status).toBe(200);
    expect(await authorized()).toBe(true);
  });
});

describe.each(networkLegs())('S-1 submitter account loading over $name', (network) => {
  it('an invalid seed is refused before anything runs', async () => {
    await expect(runBridge({ ...network.config(proxy), accounts: { base_seed: 'SBAD' } })).rejects.toThrow(
      /accounts\.base_seed/,
    );
  });

  it('a configured account missing on the network stops the bridge; an unreachable network does not', async () => {
    const missing = Keypair.random();
    await expect(
      runBridge({ ...network.config(proxy), accounts: { base_seed: missing.secret() } }),
    ).rejects.toThrow(
      `account ${missing.publicKey()} (from a configured seed) does not exist on the network`,
    );
    const base = await funded(net);
    proxy.answer = () => 'destroy';
    const bridge = await runBridge({ ...network.config(proxy), accounts: { base_seed: base.secret() } });
    try {
      // A network error while loading the sequence: nothing is built or sent.
      const before = proxy.seen.filter(isSubmit).length;
      const res = await postPayment(bridge.url, { destination: Keypair.random().publicKey(), amount: '5' });
      expect(res).toMatchObject({ status: 503, json: { code: 'horizon_unavailable' } });
      expect(proxy.seen.filter(isSubmit).length).toBe(before);
    } finally {
      await bridge.close();
    }
  });

  it('a paying account that does not exist → 400 transaction_no_account, nothing sent', async () => {
    const base = await funded(net);
    const bridge = await runBridge({ ...network.config(proxy), accounts: { base_seed: base.secret() } });
    try {
      const before = proxy.seen.filter(isSubmit).length;
      const res = await postPayment(bridge.url, {
        source: Keypair.random().secret(),
        destination: base.publicKey(),
        amount: '5',
      });
      expect(res).toMatchObject({
        status: 400,
        json: { code: 'transaction_no_account', message: 'Source account not found.' },
      });
      expect(proxy.seen.filter(isSubmit).length).toBe(before);
    } finally {
      await bridge.close();
    }
  });

  it('success: the sequence is loaded once from the network, then counted locally', async () => {
    const base = await funded(net);
    const to = await funded(net, '100');
    const sequence = BigInt((await horizon(net).loadAccount(base.publicKey())).sequenceNumber());
    const bridge = await runBridge({ ...network.config(proxy), accounts: { base_seed: base.secret() } });
    try {
      const loads = accountLoads(proxy, base.publicKey());
      const first = await postPayment(bridge.url, { destination: to.publicKey(), amount: '1' });
      const second = await postPayment(bridge.url, { destination: to.publicKey(), amount: '1' });
      expect([first.status, second.status]).toEqual([200, 200]);
      expect(accountLoads(proxy, base.publicKey()) - loads).toBe(1);
      const seq = (r: typeof first) =>
        (txFromXdr(r.json.envelope_xdr as string) as unknown as { sequence: string }).sequence;
      expect([seq(first), seq(second)]).toEqual([(sequence + 1n).toString(), (sequence + 2n).toString()]);
      const submitted = proxy.seen.filter(isSubmit).map(submittedHash);
      expect(submitted.slice(-2)).toEqual([first.json.hash, second.json.hash]);
    } finally {
      await bridge.close();
    }
  });
});

describe.each(bridgeLegs({ horizon: ['sqlite3', 'mysql'], rpc: ['sqlite3'] }))(
  'L-6 transaction details unavailable on $name',
  ({ network, database: leg }) => {
    let database: TestDatabase;
    let bridge: RunningBridge;
    let callbacks: Recorder;
    let receiving: Keypair;
    let sender: Keypair;
    /** What the stand-in answers to a transaction lookup by hash. */
    let lookup: 'forward' | 404 | 503 = 'forward';

    const isLookup = (r: Seen) =>
      (r.method === 'GET' && /^\/transactions\/[0-9a-f]{64}/.test(r.path)) ||
      rpcCall(r)?.method === 'getTransaction';

    beforeAll(async () => {
      if (leg.unavailable) return;
      database = await leg.create();
      await migrate(database);
      receiving = await funded(net);
      sender = await funded(net);
      callbacks = await recorder();
      bridge = await runBridge({
        ...network.config(proxy),
        database: { type: database.type, url: database.url },
        accounts: { receiving_account_id: receiving.publicKey() },
        assets: [{ code: 'XLM' }],
        callbacks: { receive: `${callbacks.url}/receive` },
        listener: { retry_min_ms: 50, retry_max_ms: 400, reconnect_min_ms: 100, reconnect_max_ms: 400 },
      });
    });
    afterAll(async () => {
      await bridge?.close();
      await callbacks?.close();
      await database?.drop();
    });
    // The payments pages and stream come without their transaction, so the listener has to look
    // each transaction up by hash — through the stand-in.
    const install = () => {
      proxy.rewrite = (p) => p.replace(/([?&])join=transactions&?/, '$1').replace(/[?&]$/, '');
      proxy.answer = (r) =>
        isLookup(r) && lookup !== 'forward'
          ? {
              status: lookup,
              body: { status: lookup, title: lookup === 404 ? 'Resource Missing' : 'Unavailable' },
            }
          : undefined;
    };

    const pay = async (memo: string) => {
      const server = horizon(net);
      const tx = new TransactionBuilder(await server.loadAccount(sender.publicKey()), {
        fee: '100',
        networkPassphrase: net.networkPassphrase,
      })
        .setTimeout(60)
        .addOperation(
          Operation.payment({ destination: receiving.publicKey(), asset: Asset.native(), amount: '3' }),
        )
        .addMemo(Memo.text(memo))
        .build();
      tx.sign(sender);
      const res = await server.submitTransaction(tx, { skipMemoRequiredCheck: true });
      const ops = await server.operations().forTransaction(res.hash).call();
      return { hash: res.hash, opId: ops.records[0]?.id as string };
    };
    const admin = async (path: string) =>
      (await fetch(`${bridge.url}/admin/${path}`)).json() as Promise<unknown>;
    const adminRow = async (opId: string) =>
      ((await admin('received-payments')) as Record<string, unknown>[]).find((r) => r.operation_id === opId);
    const receiveCalls = (opId: string) =>
      callbacks.requests.filter((r) => r.path === '/receive' && r.form.id === opId);

    it.skipIf(leg.unavailable)(
      'a failing lookup (503) ends the session, shows in /admin/listener, and the payment is read again and delivered once',
      async () => {
        install();
        await until(() => bridge.bridge.listener?.states.get(receiving.publicKey())?.state === 'streaming');
        lookup = 503;
        const { opId, hash } = await pay('l6-transient');
        const state = await until(async () => {
          const states = (await admin('listener')) as {
            account: string;
            state: string;
            lastError?: string;
          }[];
          const s = states.find((x) => x.account === receiving.publicKey());
          return s?.state === 'reconnecting' && s.lastError ? s : undefined;
        });
        expect(state.lastError).toBeTruthy();
        // Nothing recorded or delivered while the details cannot be read.
        expect(await adminRow(opId)).toBeUndefined();
        expect(receiveCalls(opId)).toHaveLength(0);
        lookup = 'forward';
        await until(async () => (await adminRow(opId))?.status === 'Success');
        expect(receiveCalls(opId)).toHaveLength(1);
        expect(receiveCalls(opId)[0]?.form).toMatchObject({
          memo_type: 'text',
          memo: 'l6-transient',
          transaction_id: hash,
        });
        const rows = ((await admin('received-payments')) as Record<string, unknown>[]).filter(
          (r) => r.operation_id === opId,
        );
        expect(rows).toHaveLength(1);
      },
    );

    // Horizon only: RPC serves an event and its transaction from one ledger store, so an event
    // whose transaction is unknown does not happen there.
    if (network.name === 'horizon')
      it.skipIf(leg.unavailable)(
        'a transaction Horizon does not know (404): its status records the error, visible in admin; /reprocess delivers it later',
        async () => {
          install();
          await until(() => bridge.bridge.listener?.states.get(receiving.publicKey())?.state === 'streaming');
          lookup = 404;
          const { opId } = await pay('l6-missing');
          const row = await until(async () => {
            const r = await adminRow(opId);
            return r?.status ? r : undefined;
          });
          expect(row.status).toMatch(/^unable to get transaction details: /);
          expect(receiveCalls(opId)).toHaveLength(0);
          const detail = (await admin(`received-payments/${String(row.id)}`)) as {
            payment: { status: string };
          };
          expect(detail.payment.status).toBe(row.status);
          // Once Horizon knows the transaction again, the bank's operator reprocesses it.
          lookup = 'forward';
          const res = await post(`${bridge.url}/reprocess`, { operation_id: opId });
          expect(res).toEqual({ status: 200, json: { status: 'ok' } });
          expect(receiveCalls(opId)).toHaveLength(1);
          expect(receiveCalls(opId)[0]?.form).toMatchObject({ memo_type: 'text', memo: 'l6-missing' });
          await until(async () => (await adminRow(opId))?.status === 'Success');
        },
      );
  },
);
