// The submitter beyond one account's sequence: channel accounts, batching,
// per-operation failure isolation inside a batch, and the 504 path (look the
// hash up, resubmit the same envelope, never a rebuilt one). Real localnet,
// real databases.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Asset, Keypair, TransactionBuilder, type Transaction } from '@stellar/stellar-sdk';
import { databaseLegs, type TestDatabase } from '@anchor/support/testing';
import { createKnex } from '@anchor/support';
import {
  bridgeFixture,
  bridgeLegs,
  funded,
  horizon,
  issueAsset,
  type Localnet,
  type RunningBridge,
  postPayment,
  xlmBalance,
} from './helpers.js';

const txFromXdr = (envelope: string, passphrase: string) =>
  TransactionBuilder.fromXDR(envelope, passphrase) as Transaction;

const pay = postPayment;
const xlm = xlmBalance;

describe.each(bridgeLegs({ horizon: ['sqlite3', 'mysql'], rpc: ['sqlite3'] }))(
  'channels and batching on $name',
  ({ network, database: leg }) => {
    const f = bridgeFixture({ network, database: leg, closeIntervalMs: 300 });
    let net: Localnet;
    let database: TestDatabase;
    let bridge: RunningBridge;
    let base: Keypair;
    let channels: Keypair[];
    let targets: Keypair[];

    beforeAll(async () => {
      if (leg.unavailable) return;
      ({ net, database } = f);
      base = await funded(net, '100000');
      channels = await Promise.all([1, 2, 3].map(() => funded(net, '100')));
      targets = await Promise.all([1, 2, 3, 4, 5].map(() => funded(net, '100')));
      bridge = await f.start({
        accounts: { base_seed: base.secret() },
        submitter: {
          channel_seeds: channels.map((c) => c.secret()),
          batching: true,
          batch_max_operations: 100,
        },
      });
    });

    it.skipIf(leg.unavailable)(
      '150 concurrent payments land in a few multi-operation transactions from channel accounts',
      async () => {
        const before = await Promise.all(targets.map((t) => xlm(net, t.publicKey())));
        const results = await Promise.all(
          Array.from({ length: 150 }, (_, i) =>
            pay(bridge.url, {
              id: `batch-${leg.type}-${i}`,
              destination: (targets[i % 5] as Keypair).publicKey(),
              amount: '1',
            }),
          ),
        );
        expect(results.filter((r) => r.status !== 200)).toEqual([]);
        const hashes = new Set(results.map((r) => r.json.hash));
        expect(hashes.size).toBeLessThan(150);
        const after = await Promise.all(targets.map((t) => xlm(net, t.publicKey())));
        after.forEach((a, i) => expect(a - (before[i] as number)).toBeCloseTo(30, 5));
        // Transaction source = a channel, operation source = the paying account; both signed.
        const tx = txFromXdr(results[0]?.json.envelope_xdr as string, net.networkPassphrase);
        expect(channels.map((c) => c.publicKey())).toContain((tx as unknown as { source: string }).source);
        expect(tx.operations.every((op) => op.source === base.publicKey())).toBe(true);
        expect(tx.signatures).toHaveLength(2);
        const db = createKnex(database);
        try {
          expect(
            Number(
              (await db('sent_payment').whereNotNull('sent_transaction_id').count({ n: '*' }).first())?.n,
            ),
          ).toBe(150);
          const rows = await db('sent_transaction').where({ status: 'success' });
          expect(rows.reduce((n, r) => n + Number(r.operation_count), 0)).toBe(150);
        } finally {
          await db.destroy();
        }
        // A repeated id in batch mode returns the original transaction.
        const again = await pay(bridge.url, {
          id: `batch-${leg.type}-7`,
          destination: (targets[2] as Keypair).publicKey(),
          amount: '1',
        });
        expect(again.json.hash).toBe(results[7]?.json.hash);
      },
    );

    it.skipIf(leg.unavailable)(
      'one failing operation fails alone; the rest of its batch is resubmitted and lands',
      async () => {
        const { asset } = await issueAsset(net, 'USD', [base]);
        const noTrust = targets[0] as Keypair; // has no USD trustline
        const results = await Promise.all([
          ...Array.from({ length: 20 }, (_, i) =>
            pay(bridge.url, { destination: (targets[1 + (i % 4)] as Keypair).publicKey(), amount: '0.5' }),
          ),
          pay(bridge.url, {
            destination: noTrust.publicKey(),
            amount: '1',
            asset_code: 'USD',
            asset_issuer: asset.getIssuer(),
          }),
        ]);
        expect(results.slice(0, 20).every((r) => r.status === 200)).toBe(true);
        expect(results[20]).toMatchObject({ status: 400, json: { code: 'payment_no_trust' } });
        void Asset;
      },
    );
  },
);

// Horizon only: this is Horizon's own submission timeout; over RPC the bridge's submit_timeout_ms
// and the resolution by hash have their own fault tests.
describe('504 from Horizon: the same envelope is looked up and resubmitted', () => {
  const [leg] = databaseLegs(['sqlite3']);
  // Ledgers close every 1.5 s but Horizon gives up waiting after 100 ms: every submit is a 504.
  const f = bridgeFixture({ database: leg, closeIntervalMs: 1500, localnet: { submitTimeoutMs: 100 } });
  let net: Localnet;
  let database: TestDatabase;
  let bridge: RunningBridge;

  beforeAll(async () => {
    ({ net, database } = f);
    const base = await funded(net);
    bridge = await f.start({ accounts: { base_seed: base.secret() } });
  });

  it('a payment answered with 504 lands exactly once, under its first hash', async () => {
    const to = await funded(net, '100');
    const res = await pay(bridge.url, { id: 'timeout-1', destination: to.publicKey(), amount: '9' });
    expect(res.status).toBe(200);
    expect(await xlm(net, to.publicKey())).toBeCloseTo(109, 5);
    const db = createKnex(database);
    try {
      const rows = await db('sent_transaction').select();
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ status: 'success', transaction_id: res.json.hash });
    } finally {
      await db.destroy();
    }
  });
});

/**
 * A Horizon stand-in in front of localnet: forwards everything, except what the test decides
 * for transaction submissions (answer dropped after forwarding, or never forwarded) and for
 * lookups by hash (lagging: 404, or unreachable: 503).
 */
interface HorizonProxy {
  url: string;
  submits: string[];
  onSubmit: (hash: string, n: number) => 'forward' | 'forward-drop-answer' | 'drop' | 'bad-seq';
  onLookup: (hash: string) => 'forward' | 404 | 503;
  close(): Promise<void>;
}

async function horizonProxy(target: string): Promise<HorizonProxy> {
  const proxy: HorizonProxy = {
    url: '',
    submits: [],
    onSubmit: () => 'forward',
    onLookup: () => 'forward',
    close: async () => undefined,
  };
  const timeout = (res: http.ServerResponse) => {
    res.writeHead(504, { 'Content-Type': 'application/problem+json' });
    res.end(JSON.stringify({ type: 'timeout', title: 'Timeout', status: 504 }));
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const body = Buffer.concat(chunks);
        const path = req.url ?? '/';
        let dropAnswer = false;
        if (req.method === 'POST' && path.startsWith('/transactions')) {
          const envelope = new URLSearchParams(body.toString('utf8')).get('tx') ?? '';
          const hash = TransactionBuilder.fromXDR(envelope, 'Standalone Network ; February 2017')
            .hash()
            .toString('hex');
          proxy.submits.push(hash);
          const action = proxy.onSubmit(hash, proxy.submits.filter((h) => h === hash).length);
          if (action === 'drop') return timeout(res);
          if (action === 'bad-seq') {
            // What Horizon answers for an envelope whose sequence number was already consumed
            // (for instance by this very envelope, once it left the core's transaction cache).
            res.writeHead(400, { 'Content-Type': 'application/problem+json' });
            res.end(
              JSON.stringify({
                type: 'transaction_failed',
                title: 'Transaction Failed',
                status: 400,
                extras: { envelope_xdr: envelope, result_codes: { transaction: 'tx_bad_seq' } },
              }),
            );
            return;
          }
          dropAnswer = action === 'forward-drop-answer';
        }
        const lookup = /^\/transactions\/([0-9a-f]{64})/.exec(path);
        if (req.method === 'GET' && lookup) {
          const action = proxy.onLookup(lookup[1] as string);
          if (action !== 'forward') {
            res.writeHead(action, { 'Content-Type': 'application/problem+json' });
            res.end(
              JSON.stringify({ status: action, title: action === 404 ? 'Resource Missing' : 'Unavailable' }),
            );
            return;
          }
        }
        const upstream = await fetch(`${target}${path}`, {
          method: req.method,
          headers: { 'Content-Type': req.headers['content-type'] ?? 'text/plain' },
          body: req.method === 'GET' || req.method === 'HEAD' ? undefined : body,
        });
        const text = await upstream.text();
        if (dropAnswer) return timeout(res);
        res.writeHead(upstream.status, {
          'Content-Type': upstream.headers.get('content-type') ?? 'application/json',
        });
        res.end(text);
      })().catch(() => {
        res.writeHead(502);
        res.end();
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxy.close = () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return proxy;
}

// Horizon only: the stand-in speaks Horizon's REST answers (RPC's have their own fault tests).
describe('unknown outcomes through a Horizon stand-in: never rebuilt until proven expired', () => {
  const [leg] = databaseLegs(['sqlite3']);
  const f = bridgeFixture({ database: leg, closeIntervalMs: 300 });
  let net: Localnet;
  let proxy: HorizonProxy;
  let database: TestDatabase;
  let bridge: RunningBridge;

  beforeAll(async () => {
    ({ net, database } = f);
    proxy = await horizonProxy(net.url);
    const base = await funded(net);
    bridge = await f.start(
      { accounts: { base_seed: base.secret() }, submitter: { transaction_timeout_seconds: 5 } },
      { target: proxy },
    );
  });
  afterAll(async () => {
    await bridge?.close();
    await proxy?.close();
  });

  const sentRows = async () => {
    const db = createKnex(database);
    try {
      return await db('sent_transaction').orderBy('id');
    } finally {
      await db.destroy();
    }
  };

  it.each([
    ['lagging (404)', 404],
    ['failing (503)', 503],
  ] as const)(
    'answer dropped, lookups %s, resubmission → tx_bad_seq: the same envelope is resolved, paid once',
    async (_name, lookupFailure) => {
      const to = await funded(net, '100');
      const rowsBefore = (await sentRows()).length;
      const submitsBefore = proxy.submits.length;
      let landedAt = 0;
      proxy.onSubmit = (_hash, n) => {
        if (n === 1) {
          landedAt = Date.now();
          return 'forward-drop-answer';
        }
        return 'bad-seq';
      };
      // Lookups do not show the landed transaction for 2 s after it was sent.
      proxy.onLookup = () => (landedAt === 0 || Date.now() - landedAt < 2_000 ? lookupFailure : 'forward');
      try {
        const res = await pay(bridge.url, {
          id: `lag-${lookupFailure}`,
          destination: to.publicKey(),
          amount: '9',
        });
        expect(res.status).toBe(200);
        // The same envelope was resubmitted (and rejected as tx_bad_seq) before the lookup showed
        // it, and no other envelope was ever submitted.
        expect(proxy.submits.filter((h) => h === res.json.hash).length).toBeGreaterThan(1);
        expect(new Set(proxy.submits.slice(submitsBefore))).toEqual(new Set([res.json.hash]));
        expect(await xlm(net, to.publicKey())).toBeCloseTo(109, 5);
        const rows = (await sentRows()).slice(rowsBefore);
        expect(rows).toHaveLength(1);
        expect(rows[0]).toMatchObject({ transaction_id: res.json.hash, status: 'success' });
      } finally {
        proxy.onSubmit = () => 'forward';
        proxy.onLookup = () => 'forward';
      }
    },
  );

  it('an envelope that never reached the network is rebuilt only after a ledger closed past its maxTime', async () => {
    const to = await funded(net, '100');
    const rowsBefore = (await sentRows()).length;
    let first: string | undefined;
    proxy.onSubmit = (hash) => {
      first ??= hash;
      return hash === first ? 'drop' : 'forward';
    };
    try {
      const res = await pay(bridge.url, { id: 'expired-1', destination: to.publicKey(), amount: '9' });
      expect(res.status).toBe(200);
      expect(res.json.hash).not.toBe(first);
      expect(await xlm(net, to.publicKey())).toBeCloseTo(109, 5);
      const rows = (await sentRows()).slice(rowsBefore);
      expect(rows.map((r) => [r.transaction_id, r.status])).toEqual([
        [first, 'failure'],
        [res.json.hash, 'success'],
      ]);
      // The rebuild came after Horizon showed a ledger closed past the first envelope's maxTime.
      const tx = txFromXdr(rows[0].envelope_xdr, net.networkPassphrase);
      const latest = await horizon(net).ledgers().order('desc').limit(1).call();
      expect(Date.parse(latest.records[0]?.closed_at as string) / 1000).toBeGreaterThan(
        Number(tx.timeBounds?.maxTime),
      );
    } finally {
      proxy.onSubmit = () => 'forward';
    }
  });
});
