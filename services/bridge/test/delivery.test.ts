// The delivery outbox under a flood of payments the bank keeps refusing
// (issue 13, finding 4): first attempts and retries are separate lanes, so a
// real payment arriving behind many failing dust deliveries is sent in the next
// pass of the loop; a permanent refusal (404 unknown route) is a dead letter,
// attempted once, listed by the admin API and retried from it; failure log
// lines stay within their per-minute budget while the counter has them all;
// a payment under its asset's min_amount is recorded and not delivered.
import { beforeAll, describe, expect, it } from 'vitest';
import { Asset, Keypair, Memo, Operation } from '@stellar/stellar-sdk';
import type { TestDatabase } from '@anchor/support/testing';
import { createKnex } from '@anchor/support';
import {
  bridgeFixture,
  capturingLogger,
  bridgeLegs,
  funded,
  issueAsset,
  submitOps,
  until,
  type Localnet,
  type Recorder,
  type RunningBridge,
} from './helpers.js';
import { parseBridgeConfig } from '../src/config.js';
import { isPermanentRefusal, laneCaps } from '../src/services/delivery.service.js';

describe('what the outbox treats as permanent, and its lanes', () => {
  it('dead-letters 4xx answers about the payment, retries configuration, timing and server errors', () => {
    for (const status of [400, 404, 409, 410, 413, 422])
      expect(isPermanentRefusal(status), `${status}`).toBe(true);
    for (const status of [301, 401, 403, 407, 408, 425, 429, 500, 502, 503, 504])
      expect(isPermanentRefusal(status), `${status}`).toBe(false);
  });

  it('keeps a slot for each lane whenever there are two', () => {
    expect(laneCaps(1)).toEqual({ fresh: 1, retry: 1 });
    expect(laneCaps(2)).toEqual({ fresh: 1, retry: 1 });
    expect(laneCaps(8)).toEqual({ fresh: 7, retry: 4 });
  });

  it('refuses a min_amount that is not an amount', () => {
    const config = (min: string) => () =>
      parseBridgeConfig({
        port: 0,
        horizon: 'http://127.0.0.1:8000',
        network_passphrase: 'Standalone Network ; February 2017',
        assets: [{ code: 'XLM', min_amount: min }],
      });
    expect(config('0.0001')).not.toThrow();
    for (const bad of ['0', '-1', 'dust', '0.00000001']) expect(config(bad), bad).toThrow(/min_amount/);
  });
});

const CONCURRENCY = 4;
const LOG_PER_MINUTE = 5;
const DUST = 60;

describe.each(bridgeLegs({ horizon: ['sqlite3'], rpc: ['sqlite3'] }))(
  'delivery lanes and dead letters on $name',
  ({ network, database: leg }) => {
    let net: Localnet;
    let database: TestDatabase;
    let bridge: RunningBridge;
    let callbacks: Recorder;
    let receiving: Keypair;
    let sender: Keypair;
    let usd: Asset;
    /** When each callback arrived, by route. */
    const arrivals: { route: string; id: string; at: number }[] = [];
    const logLines: Record<string, unknown>[] = [];
    /** Route → the bank's answer. */
    const answers: Record<string, number> = { real: 200, dust: 503, gone: 404 };

    const f = bridgeFixture({
      network,
      database: leg,
      respond: (req) => {
        arrivals.push({ route: req.form.route ?? '', id: req.form.id ?? '', at: Date.now() });
        return { status: answers[req.form.route ?? ''] ?? 200 };
      },
    });

    beforeAll(async () => {
      ({ net, database, callbacks } = f);
      receiving = await funded(net, '1000');
      sender = await funded(net, '100000');
      ({ asset: usd } = await issueAsset(net, 'USD', [sender, receiving]));
      const logger = capturingLogger(logLines, 'info');
      bridge = await f.start(
        {
          assets: [{ code: 'XLM' }, { code: 'USD', issuer: usd.getIssuer(), min_amount: '1' }],
          accounts: { receiving_account_id: receiving.publicKey() },
          callbacks: { receive: `${callbacks.url}/receive` },
          listener: {
            // Failing deliveries are due again at once: the harshest case for the queue.
            retry_min_ms: 1,
            retry_max_ms: 1,
            delivery_concurrency: CONCURRENCY,
            failure_log_per_minute: LOG_PER_MINUTE,
            lock_retry_ms: 200,
          },
        },
        { logger },
      );
    });

    /** One transaction of `count` payments to the receiving account, memo = the bank's route. */
    async function pay(route: string, count: number, amount: string, asset = Asset.native()) {
      const ops = Array.from({ length: count }, () =>
        Operation.payment({ destination: receiving.publicKey(), asset, amount }),
      );
      return (await submitOps(net, sender, ops, [], Memo.text(route))).hash;
    }

    async function outbox(transactionId: string) {
      const db = createKnex(database);
      try {
        return await db('delivery_outbox').where({ transaction_id: transactionId }).orderBy('id');
      } finally {
        await db.destroy();
      }
    }

    const admin = async (path: string, init?: RequestInit) => {
      const res = await fetch(`${bridge.url}${path}`, init);
      return { status: res.status, json: (await res.json()) as Record<string, unknown> & unknown[] };
    };
    const post = (path: string, body: Record<string, string> = {}) =>
      admin(path, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(body).toString(),
      });

    it(
      'delivers a real payment in the next pass while many dust deliveries keep failing',
      { timeout: 90_000 },
      async () => {
        const dustTx = await pay('dust', DUST, '0.0000001');
        // Every dust delivery has failed a few times: all of them are retries, due again at once.
        await until(async () => {
          const rows = await outbox(dustTx);
          return rows.length === DUST && rows.every((r) => Number(r.attempts) >= 3);
        });

        const realTx = await pay('real', 1, '10');
        const dustSince = (at: number) => arrivals.filter((a) => a.route === 'dust' && a.at >= at).length;
        // Stop early if the real payment starves (the old single queue never reached it).
        const [row] = await until(async () => {
          const rows = await outbox(realTx);
          const created = rows[0] ? new Date(rows[0].created_at as string | number).getTime() : undefined;
          if (rows[0]?.status === 'delivered') return rows;
          if (created !== undefined && dustSince(created) > 50 * CONCURRENCY) return rows;
          return false;
        });
        expect(row).toMatchObject({ status: 'delivered', attempts: 1 });
        // Between its recording and its delivery only the dust retries already in flight, one pass
        // that had read the queue before it, and the retries of its own pass reached the bank.
        const created = new Date(row?.created_at as string | number).getTime();
        const realAt = arrivals.find((a) => a.route === 'real')?.at as number;
        const dustBetween = arrivals.filter((a) => a.route === 'dust' && a.at >= created && a.at <= realAt);
        expect(dustBetween.length).toBeLessThanOrEqual(2 * CONCURRENCY);
        expect(arrivals.filter((a) => a.route === 'real')).toHaveLength(1);

        // Hundreds of failures, a bounded number of warn lines about them; the counter has them all.
        const failures = arrivals.filter((a) => a.route === 'dust').length;
        expect(failures).toBeGreaterThan(3 * DUST);
        const warnings = logLines.filter((l) => l.component === 'delivery' && l.level === 'warn');
        expect(warnings.length).toBeGreaterThan(0);
        expect(warnings.length).toBeLessThanOrEqual(LOG_PER_MINUTE + 1);
        const metrics = await (await fetch(`${bridge.url}/metrics`)).text();
        const counted = Number(
          /bridge_delivery_failures_total\{kind="receive",outcome="retry"\} (\d+)/.exec(metrics)?.[1],
        );
        expect(counted).toBeGreaterThanOrEqual(3 * DUST);
      },
    );

    it(
      'dead-letters a permanent refusal, attempts it no more, lists it, and retries it from the admin API',
      { timeout: 90_000 },
      async () => {
        const goneTx = await pay('gone', 12, '1');
        const rows = await until(async () => {
          const r = await outbox(goneTx);
          return r.length === 12 && r.every((x) => x.status === 'dead') ? r : false;
        });
        // Refused for good: no attempt after the 404, however long the loop keeps turning (the dust
        // of the first test is still being retried). A transport hiccup before it is a plain retry.
        const ids = rows.map((r) => String(r.operation_id));
        const goneCalls = () => arrivals.filter((a) => ids.includes(a.id)).length;
        const callsThen = goneCalls();
        expect(callsThen).toBeGreaterThanOrEqual(12);
        const dustThen = arrivals.filter((a) => a.route === 'dust').length;
        await until(() => arrivals.filter((a) => a.route === 'dust').length > dustThen + 100);
        expect(goneCalls()).toBe(callsThen);
        expect(await outbox(goneTx)).toEqual(rows);

        const page1 = await admin('/admin/deliveries?status=dead');
        const page2 = await admin('/admin/deliveries?status=dead&page=2');
        const listed = [...page1.json, ...page2.json] as {
          id: number;
          operation_id: string;
          status: string;
        }[];
        expect(listed.map((d) => d.operation_id)).toEqual(ids);
        expect(listed[0]).toMatchObject({
          status: 'dead',
          last_error: 'Error response from receive callback (HTTP 404, permanent: not retried)',
          payment: { amount: '1.0000000', memo_type: 'text', memo: 'gone' },
        });
        // The newest of them, as the received-payments page shows it (newest first).
        const newest = listed[listed.length - 1];
        const received = await admin('/admin/received-payments');
        const mine = (
          received.json as { operation_id: string; status: string; deliveries: unknown[] }[]
        ).find((p) => p.operation_id === newest?.operation_id);
        expect(mine?.status).toContain('permanent');
        expect(mine?.deliveries).toEqual([expect.objectContaining({ id: newest?.id, status: 'dead' })]);

        // The bank now knows the route: the operator retries one, then all that are left.
        answers.gone = 200;
        const one = await post(`/admin/deliveries/${listed[0]?.id}/retry`);
        expect(one).toMatchObject({ status: 200, json: { status: 'ok', delivery: { status: 'pending' } } });
        await until(async () => (await outbox(goneTx))[0]?.status === 'delivered');
        const rest = await post('/admin/deliveries/retry', { status: 'dead' });
        expect(rest).toMatchObject({ status: 200, json: { status: 'ok', retried: 11 } });
        await until(async () => (await outbox(goneTx)).every((r) => r.status === 'delivered'));
        expect(goneCalls()).toBe(callsThen + 12);
        expect((await admin('/admin/deliveries?status=dead')).json).toEqual([]);

        expect(await post(`/admin/deliveries/${listed[0]?.id}/retry`)).toMatchObject({
          status: 409,
          json: { code: 'already_delivered' },
        });
        expect(await post('/admin/deliveries/999999/retry')).toMatchObject({ status: 404 });
        expect(await post('/admin/deliveries/retry', { status: 'delivered' })).toMatchObject({
          status: 400,
          json: { code: 'invalid_parameter', data: { name: 'status' } },
        });
        expect(await admin('/admin/deliveries?status=lost')).toMatchObject({
          status: 400,
          json: { data: { name: 'status' } },
        });
      },
    );

    it(
      'records a payment under its asset minimum without delivering it, until the operator asks',
      { timeout: 90_000 },
      async () => {
        const small = await pay('real', 1, '0.5', usd);
        const large = await pay('real', 1, '2', usd);
        await until(async () => (await outbox(large))[0]?.status === 'delivered');
        const [row] = await until(async () => {
          const r = await outbox(small);
          return r.length === 1 ? r : false;
        });
        expect(row).toMatchObject({ status: 'below_minimum', attempts: 0 });
        expect(arrivals.filter((a) => a.id === row?.operation_id)).toHaveLength(0);
        const listed = (await admin('/admin/deliveries?status=below_minimum')).json as { id: number }[];
        expect(listed).toEqual([
          expect.objectContaining({
            id: Number(row?.id),
            payment: expect.objectContaining({ amount: '0.5000000' }),
          }),
        ]);
        const received = (await admin('/admin/received-payments')).json as {
          operation_id: string;
          status: string;
        }[];
        expect(received.find((p) => p.operation_id === row?.operation_id)?.status).toBe(
          'Below minimum amount',
        );

        expect((await post(`/admin/deliveries/${row?.id}/retry`)).status).toBe(200);
        await until(async () => (await outbox(small))[0]?.status === 'delivered');
        expect(arrivals.filter((a) => a.id === row?.operation_id)).toHaveLength(1);
      },
    );

    it(
      'a 200 the bridge fails to record is sent again once recording works, and says so without SQL',
      { timeout: 90_000 },
      async () => {
        // The database itself refuses to mark this route's deliveries delivered, as a failing
        // disk or a lock timeout would: the bank has answered 200, our record of it fails.
        const db = createKnex(database);
        try {
          await db.raw(`CREATE TRIGGER refuse_delivered BEFORE UPDATE OF status ON delivery_outbox
            WHEN NEW.status = 'delivered' AND OLD.payload LIKE '%"memo":"unrecorded"%'
            BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END`);
          const tx = await pay('unrecorded', 1, '1');
          const [failed] = await until(async () => {
            const r = await outbox(tx);
            return Number(r[0]?.attempts) >= 1 ? r : false;
          });
          expect(failed?.status).toBe('pending');
          expect(failed?.last_error).toMatch(
            /^Delivered, but recording it failed \(.+\): it will be sent again$/,
          );
          expect(failed?.last_error).not.toMatch(/update|delivery_outbox|disk I\/O/i);
          await db.raw('DROP TRIGGER refuse_delivered');
          const [row] = await until(async () => {
            const r = await outbox(tx);
            return r[0]?.status === 'delivered' ? r : false;
          });
          // At least once: the bank saw the same id again, and it is recorded as delivered once.
          const sent = arrivals.filter((a) => a.id === row?.operation_id);
          expect(sent.length).toBeGreaterThanOrEqual(2);
          expect(new Set(sent.map((a) => a.route))).toEqual(new Set(['unrecorded']));
        } finally {
          await db.raw('DROP TRIGGER IF EXISTS refuse_delivered');
          await db.destroy();
        }
      },
    );
  },
);
