// The listener's history-gap guard (src/services/history-gap.ts, README "History gaps") against
// a real localnet that keeps only its latest ledgers of Horizon history: the bridge stops after a
// delivered payment, payments arrive while it is down and the stored cursor's ledger falls out of
// retention; on restart `halt` stops the account (shown in /admin/listener, /health 503, logged,
// nothing read past the gap) and `continue` resumes from the oldest record Horizon still has.
// Over Stellar RPC the window is RPC's retention: with no Horizon the account halts the same way,
// and with `network.horizon_url` the missed payments are backfilled from Horizon (issue 11).
import { beforeAll, describe, expect, it } from 'vitest';
import { type Asset, type Keypair, rpc } from '@stellar/stellar-sdk';
import { databaseLegs, type TestDatabase } from '@anchor/support/testing';
import { createKnex } from '@anchor/support';
import {
  bridgeFixture,
  capturingLogger,
  funded,
  horizon,
  issueAsset,
  listenerStateOf,
  networkLegs,
  payDirect,
  storedListenerCursor,
  until,
  type Localnet,
  type NetworkLeg,
  type Recorder,
  type RunningBridge,
} from './helpers.js';

const RETENTION = 5;

const [horizonLeg, rpcLeg] = networkLegs() as [NetworkLeg, NetworkLeg];
/** `backfill`: the `halt` policy over RPC with a Horizon to backfill from. */
type Policy = 'halt' | 'continue' | 'backfill';
const cases: { network: NetworkLeg; policy: Policy }[] = [
  { network: horizonLeg, policy: 'halt' },
  { network: horizonLeg, policy: 'continue' },
  { network: rpcLeg, policy: 'halt' },
  { network: rpcLeg, policy: 'backfill' },
];

// Set by the running suite's fixture (the suites run one after another).
let net: Localnet;

/** The oldest ledger the backend still serves: Horizon's history_elder_ledger, RPC's oldestLedger. */
async function elderLedger(network: NetworkLeg): Promise<number> {
  if (network.name === 'horizon') return Number((await horizon(net).root()).history_elder_ledger);
  return (await new rpc.Server(net.rpcUrl, { allowHttp: true }).getHealth()).oldestLedger;
}

describe.each(databaseLegs(['sqlite3']))('history gap on $type', (leg) => {
  for (const { network, policy } of cases) {
    describe(`${network.name}: policy ${policy}`, () => {
      const f = bridgeFixture({
        network,
        database: leg,
        localnet:
          network.name === 'horizon'
            ? { historyRetentionLedgers: RETENTION }
            : { rpcRetentionLedgers: RETENTION },
      });
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
        f.start(
          {
            ...(policy === 'backfill'
              ? { network: { ...(network.config(net).network as object), horizon_url: net.url } }
              : {}),
            accounts: { receiving_account_id: receiving.publicKey() },
            assets: [{ code: 'XLM' }, { code: 'USD', issuer: usd.getIssuer() }],
            callbacks: { receive: `${callbacks.url}/receive` },
            listener: {
              history_gap: policy === 'backfill' ? 'halt' : policy,
              lock_retry_ms: 200,
              retry_min_ms: 50,
              retry_max_ms: 400,
            },
          },
          {
            logger: capturingLogger(logLines, 'warn'),
          },
        );

      beforeAll(async () => {
        if (leg.unavailable) return;
        ({ net, database, callbacks } = f);
        receiving = await funded(net);
        sender = await funded(net);
        ({ asset: usd } = await issueAsset(net, 'USD', [sender, receiving]));
      });

      it.skipIf(leg.unavailable)(
        {
          halt: 'halt: the gap is shown, /health fails, it is logged and nothing past the gap is read',
          continue: 'continue: the gap is shown and logged, and the payments Horizon still has are delivered',
          backfill: "backfill: the payments outside RPC's window are read from Horizon and delivered once",
        }[policy],
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
          await until(async () => (await elderLedger(network)) > b.ledger);
          expect(a.ledger).toBeLessThan(await elderLedger(network));

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
          } else if (policy === 'backfill') {
            // Nothing is lost: RPC forgot b, the backfill Horizon has it; c is read as well.
            const c = await pay(sender, receiving.publicKey(), '3');
            bridge = await start();
            await until(() => receiveCalls(b.opId).length > 0 && receiveCalls(c.opId).length > 0);
            expect(receiveCalls(b.opId)).toHaveLength(1);
            expect(receiveCalls(b.opId)[0]?.form).toMatchObject({ amount: '2.0000000', asset_code: 'USD' });
            expect((await listenerState())?.state).not.toBe('halted');
            expect((await fetch(`${bridge.url}/health`)).status).toBe(200);
            return;
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
