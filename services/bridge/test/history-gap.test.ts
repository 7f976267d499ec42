// The listener's history-gap guard (src/services/history-gap.ts, README "History gaps") against
// a real localnet that keeps only its latest ledgers of Horizon history: the bridge stops after a
// delivered payment, payments arrive while it is down and the stored cursor's ledger falls out of
// retention; on restart `halt` stops the account (shown in /admin/listener, /health 503, logged,
// nothing read past the gap) and `continue` resumes from the oldest record Horizon still has.
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Asset, Keypair } from '@stellar/stellar-sdk';
import { databaseLegs, type TestDatabase } from '@anchor/support/testing';
import { createKnex, createLogger } from '@anchor/support';
import {
  funded,
  horizon,
  issueAsset,
  listenerStateOf,
  localnet,
  migrate,
  payDirect,
  recorder,
  runBridge,
  storedListenerCursor,
  until,
  type Localnet,
  type Recorder,
  type RunningBridge,
} from './helpers.js';

const RETENTION = 5;

let net: Localnet;
beforeAll(async () => {
  net = await localnet(200, { historyRetentionLedgers: RETENTION });
});
afterAll(async () => {
  await net?.close();
});

async function elderLedger(): Promise<number> {
  return Number((await horizon(net).root()).history_elder_ledger);
}

describe.each(databaseLegs(['sqlite3']))('history gap on $type', (leg) => {
  for (const policy of ['halt', 'continue'] as const) {
    describe(`policy ${policy}`, () => {
      let database: TestDatabase;
      let callbacks: Recorder;
      let bridge: RunningBridge | undefined;
      let receiving: Keypair;
      let sender: Keypair;
      let usd: Asset;
      const logLines: Record<string, unknown>[] = [];

      const receiveCalls = (id: string) =>
        callbacks.requests.filter((r) => r.path === '/receive' && r.form.id === id);
      const withDb = async <T>(fn: (db: ReturnType<typeof createKnex>) => Promise<T>) => {
        const db = createKnex(database);
        try {
          return await fn(db);
        } finally {
          await db.destroy();
        }
      };
      const storedCursor = () => storedListenerCursor(database, receiving.publicKey());
      const pay = (from: Keypair, to: string, amount: string, asset?: Asset) =>
        payDirect(net, from, to, amount, asset);
      const recorded = (opId: string) =>
        withDb((db) => db('received_payment').where({ operation_id: opId }).first());
      const listenerState = () => listenerStateOf(bridge?.url, receiving.publicKey());
      const start = () =>
        runBridge(
          {
            horizon: net.url,
            database: { type: database.type, url: database.url },
            accounts: { receiving_account_id: receiving.publicKey() },
            assets: [{ code: 'XLM' }, { code: 'USD', issuer: usd.getIssuer() }],
            callbacks: { receive: `${callbacks.url}/receive` },
            listener: { history_gap: policy, lock_retry_ms: 200, retry_min_ms: 50, retry_max_ms: 400 },
          },
          createLogger({
            service: 'bridge',
            format: 'json',
            level: 'warn',
            stream: new Writable({
              write(chunk: Buffer, _enc, done) {
                for (const line of chunk.toString('utf8').split('\n').filter(Boolean))
                  logLines.push(JSON.parse(line) as Record<string, unknown>);
                done();
              },
            }),
          }),
        );

      beforeAll(async () => {
        if (leg.unavailable) return;
        database = await leg.create();
        await migrate(database);
        receiving = await funded(net);
        sender = await funded(net);
        ({ asset: usd } = await issueAsset(net, 'USD', [sender, receiving]));
        callbacks = await recorder();
      });
      afterAll(async () => {
        await bridge?.close();
        await callbacks?.close();
        await database?.drop();
      });

      it.skipIf(leg.unavailable)(
        policy === 'halt'
          ? 'halt: the gap is shown, /health fails, it is logged and nothing past the gap is read'
          : 'continue: the gap is shown and logged, and the payments Horizon still has are delivered',
        async () => {
          // 1. Running: a payment is delivered and its paging token becomes the stored cursor.
          bridge = await start();
          await until(async () => (await listenerState())?.state === 'streaming');
          const a = await pay(sender, receiving.publicKey(), '1');
          await until(() => receiveCalls(a.opId).length > 0);
          await until(async () => (await storedCursor()) === a.opId);
          await bridge.close();
          bridge = undefined;

          // 2. Down: a USD payment lands and falls out of Horizon's history with the stored
          // cursor's ledger. (It changes only the trustline entry, as on a real network; the
          // trustline-only path is isolated in history-gap-trustline.test.ts.)
          const b = await pay(sender, receiving.publicKey(), '2', usd);
          await until(async () => (await elderLedger()) > b.ledger);
          expect(a.ledger).toBeLessThan(await elderLedger());

          // 3. Restart.
          if (policy === 'halt') {
            bridge = await start();
            const state = await until(async () => {
              const s = await listenerState();
              return s?.state === 'halted' ? s : undefined;
            });
            // A payment after the halt: it must not be read past the gap either.
            const c = await pay(sender, receiving.publicKey(), '3');
            expect((await listenerState())?.state).toBe('halted');
            expect(state.historyGap).toMatchObject({
              cursor: a.opId,
              cursorLedger: a.ledger,
              policy: 'halt',
            });
            const gap = state.historyGap as { elderLedger: number; missingLedgers: number };
            expect(gap.elderLedger).toBeGreaterThan(b.ledger);
            expect(gap.missingLedgers).toBe(gap.elderLedger - a.ledger);
            const health = await fetch(`${bridge.url}/health`);
            expect(health.status).toBe(503);
            // Halted before any page was read: nothing recorded, delivered or skipped over.
            expect(await recorded(b.opId)).toBeUndefined();
            expect(await recorded(c.opId)).toBeUndefined();
            expect(receiveCalls(b.opId)).toHaveLength(0);
            expect(receiveCalls(c.opId)).toHaveLength(0);
            expect(await storedCursor()).toBe(a.opId);
          } else {
            // A payment Horizon still has when the bridge comes back.
            const c = await pay(sender, receiving.publicKey(), '3');
            bridge = await start();
            await until(() => receiveCalls(c.opId).length > 0);
            const state = await listenerState();
            expect(state?.state).not.toBe('halted');
            expect(state?.historyGap).toMatchObject({
              cursor: a.opId,
              cursorLedger: a.ledger,
              policy: 'continue',
            });
            // The payment in the dropped ledgers is gone from this Horizon: that is the gap.
            expect(await recorded(b.opId)).toBeUndefined();
            expect((await fetch(`${bridge.url}/health`)).status).toBe(200);
          }
          const errors = logLines.filter(
            (l) =>
              l.level === 'error' &&
              l.account === receiving.publicKey() &&
              String(l.message).includes('older than the oldest ledger the network keeps'),
          );
          expect(errors.length).toBeGreaterThan(0);
          expect(errors[0]).toMatchObject({ cursor: a.opId, cursor_ledger: a.ledger, policy });
        },
        120_000,
      );
    });
  }
});
