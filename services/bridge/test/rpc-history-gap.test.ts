// One history-gap report for both backends: over Stellar RPC alone (no backfill Horizon), a stored
// cursor older than RPC's window (getHealth.oldestLedger) is logged with the same line as a Horizon
// gap (history-gap.test.ts), shown as `historyGap` in /admin/listener and counted; with policy
// `halt` the account stops, with `continue` it reads on from RPC's oldest ledger and later
// payments are delivered, while the forgotten one is not.
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Asset, Operation } from '@stellar/stellar-sdk';
import { databaseLegs, type DatabaseLeg, type TestDatabase } from '@anchor/support/testing';
import { createKnex, createLogger } from '@anchor/support';
import { KnexReceivedPaymentStore } from '../src/stores/received-payment.store.js';
import {
  funded,
  latestPaymentToken,
  localnet,
  migrate,
  recorder,
  runBridge,
  submitOps,
  until,
  type Localnet,
  type Recorder,
  type RunningBridge,
} from './helpers.js';

const leg = databaseLegs(['sqlite3'])[0] as DatabaseLeg;
const RETENTION = 5;
const GAP_LINE = 'stored cursor is older than the oldest ledger the network keeps';

describe.skipIf(leg.unavailable).each(['halt', 'continue'] as const)(
  'over RPC without backfill, history_gap = %s',
  (policy) => {
    let net: Localnet;
    let database: TestDatabase;
    let callbacks: Recorder;
    let bridge: RunningBridge | undefined;
    let receiving: Awaited<ReturnType<typeof funded>>;
    let sender: Awaited<ReturnType<typeof funded>>;
    let cursor: string;
    let forgotten: string;
    let ticker: NodeJS.Timeout | undefined;

    beforeAll(async () => {
      // Ledgers close fast while setting up, then once a second: the window (5 ledgers) is then
      // wide enough in time for the bridge to read what arrives after the gap.
      net = await localnet(0, { rpcRetentionLedgers: RETENTION });
      ticker = setInterval(() => net.closeLedger(), 50);
      database = await leg.create();
      await migrate(database);
      callbacks = await recorder();
      receiving = await funded(net);
      sender = await funded(net);
      cursor = await latestPaymentToken(net, receiving.publicKey());
      const db = createKnex(database);
      try {
        await new KnexReceivedPaymentStore(db).setCursor(receiving.publicKey(), cursor);
      } finally {
        await db.destroy();
      }
      const res = await submitOps(net, sender, [
        Operation.payment({ destination: receiving.publicKey(), asset: Asset.native(), amount: '3' }),
      ]);
      forgotten = res.hash;
      const paidLedger = Number(res.ledger);
      await until(() => net.latestLedger() - RETENTION > paidLedger + 1);
      clearInterval(ticker);
      ticker = setInterval(() => net.closeLedger(), 1_000);
    });
    afterAll(async () => {
      clearInterval(ticker);
      await bridge?.close();
      await callbacks?.close();
      await database?.drop();
      await net?.close();
    });

    it('reports the gap as on Horizon; halt stops the account, continue delivers what RPC still has', async () => {
      const stream = new PassThrough();
      const lines: Record<string, unknown>[] = [];
      stream.on('data', (chunk: Buffer) => {
        for (const line of chunk.toString('utf8').split('\n').filter(Boolean))
          lines.push(JSON.parse(line) as Record<string, unknown>);
      });
      bridge = await runBridge(
        {
          network: { backend: 'rpc', rpc_url: net.rpcUrl, poll_interval_ms: 100 },
          database: { type: database.type, url: database.url },
          accounts: { receiving_account_id: receiving.publicKey() },
          assets: [{ code: 'XLM' }],
          callbacks: { receive: `${callbacks.url}/receive` },
          listener: {
            retry_min_ms: 50,
            retry_max_ms: 400,
            lock_retry_ms: 200,
            reconnect_min_ms: 100,
            reconnect_max_ms: 500,
            history_gap: policy,
          },
        },
        createLogger({ service: 'bridge', format: 'json', stream }),
      );
      const running = bridge;
      const state = () => running.bridge.listener?.states.get(receiving.publicKey());
      await until(() => state()?.historyGap);
      const oldest = (await (await fetch(net.rpcUrl, rpcCall('getHealth'))).json()) as {
        result: { oldestLedger: number };
      };
      const admin = (await (await fetch(`${running.url}/admin/listener`)).json()) as unknown;
      const shown = JSON.stringify(admin);
      expect(shown).toContain('"historyGap"');
      expect(state()?.historyGap).toMatchObject({
        cursor,
        cursorLedger: Number(BigInt(cursor) >> 32n),
        policy,
      });
      expect(state()?.historyGap?.elderLedger).toBeLessThanOrEqual(oldest.result.oldestLedger);
      const logged = lines.filter((l) => String(l.message).startsWith(GAP_LINE));
      expect(logged.length).toBeGreaterThanOrEqual(1);
      expect(logged[0]).toMatchObject({ level: 'error', backend: 'rpc', cursor, policy });
      if (policy === 'halt') {
        await until(() => state()?.state === 'halted');
        expect((await fetch(`${running.url}/health`)).status).toBe(503);
        const metrics = await (await fetch(`${running.url}/metrics`)).text();
        expect(metrics).toContain(`bridge_listener_gaps_total{account="${receiving.publicKey()}"} 1`);
      } else {
        const later = await submitOps(net, sender, [
          Operation.payment({ destination: receiving.publicKey(), asset: Asset.native(), amount: '4' }),
        ]);
        await until(() => callbacks.requests.some((r) => r.form.transaction_id === later.hash));
        expect(state()?.state).toBe('streaming');
      }
      expect(callbacks.requests.filter((r) => r.form.transaction_id === forgotten)).toHaveLength(0);
    });
  },
);

function rpcCall(method: string): RequestInit {
  return {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method }),
  };
}
