// A claimable-balance claim survives a kill -9 between the claim landing and its delivery being
// recorded: the bridge process is started with BRIDGE_TEST_CRASH_AT=claim-landed (main.ts kills
// itself with SIGKILL at that line), then restarted without it. The restarted bridge finds the
// balance gone, finds its own recorded claim landed, and delivers it exactly once (the row ends
// `claimed`, not `vanished`). Horizon leg; SQLite, and MariaDB when available.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Asset, Claimant, Operation } from '@stellar/stellar-sdk';
import { databaseLegs, type TestDatabase } from '@anchor/support/testing';
import { createKnex } from '@anchor/support';
import {
  funded,
  horizon,
  localnet,
  migrate,
  networkLegs,
  receivingBridgeToml,
  recorder,
  startBridgeProcess,
  submitOps,
  until,
  xlmBalance,
  type Localnet,
  type NetworkLeg,
  type Recorder,
} from './helpers.js';

const [horizonLeg] = networkLegs(['horizon']) as [NetworkLeg];

describe.each(databaseLegs(['sqlite3', 'mysql']))('kill -9 after a claim landed ($type)', (leg) => {
  let net: Localnet;
  let callbacks: Recorder;
  let database: TestDatabase;
  let dir: string;
  let child: ChildProcess | undefined;

  beforeAll(async () => {
    if (leg.unavailable) return;
    net = await localnet(200);
    callbacks = await recorder();
    database = await leg.create();
    await migrate(database);
    dir = mkdtempSync(join(tmpdir(), 'bridge-claim-crash-'));
  });
  afterAll(async () => {
    child?.kill('SIGKILL');
    await database?.drop();
    await callbacks?.close();
    await net?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it.skipIf(leg.unavailable)(
    'the restarted bridge delivers the landed claim exactly once and the row is claimed',
    async () => {
      const receiving = await funded(net);
      const sender = await funded(net);
      const cfg = join(dir, 'bridge.cfg');
      writeFileSync(
        cfg,
        receivingBridgeToml({
          net,
          network: horizonLeg,
          database,
          receiving: receiving.publicKey(),
          callbacksUrl: callbacks.url,
          listener: ['claimable_poll_ms = 200', 'claimable_balances = "claim"'],
        }),
      );
      // The seed through the environment: never in a config file.
      const start = (env: Record<string, string>) =>
        startBridgeProcess(cfg, { BRIDGE_BASE_SEED: receiving.secret(), ...env });
      const createBalance = (amount: string) =>
        submitOps(net, sender, [
          Operation.createClaimableBalance({
            asset: Asset.native(),
            amount,
            claimants: [new Claimant(receiving.publicKey(), Claimant.predicateUnconditional())],
          }),
        ]);
      const db = createKnex(database);
      try {
        const crashing = start({ BRIDGE_TEST_CRASH_AT: 'claim-landed' });
        child = crashing;
        const exited = new Promise<NodeJS.Signals | null>((r) =>
          crashing.once('exit', (_code, sig) => r(sig)),
        );
        await until(
          async () =>
            (await db('listener_cursor').where({ account_id: receiving.publicKey() }).first()) !== undefined,
        );
        const before = await xlmBalance(net, receiving.publicKey());
        await createBalance('7');
        // It killed itself right after the claim landed, before recording the delivery.
        expect(await exited).toBe('SIGKILL');
        const balances = await horizon(net).claimableBalances().claimant(receiving.publicKey()).call();
        expect(balances.records).toEqual([]);
        expect(await xlmBalance(net, receiving.publicKey())).toBeGreaterThan(before + 6.99);
        const [crashed] = await db('claimable_balance').where({ account_id: receiving.publicKey() });
        expect(crashed.status).toBe('claiming');
        expect(await db('received_payment').where({ account_id: receiving.publicKey() })).toEqual([]);
        expect(callbacks.requests).toHaveLength(0);
        const sent = await db('sent_transaction').where({ source: receiving.publicKey() });
        expect(sent).toHaveLength(1);

        child = start({});
        await until(() => callbacks.requests.length >= 1, 60_000);
        await until(
          async () => (await db('claimable_balance').where({ id: crashed.id }).first()).status === 'claimed',
          30_000,
        );
        // A second balance claimed and delivered means later scans ran: nothing of the first was
        // claimed or delivered again.
        const row = await db('claimable_balance').where({ id: crashed.id }).first();
        await createBalance('2');
        await until(() => callbacks.requests.length >= 2, 60_000);
        await until(
          async () =>
            (await db('claimable_balance').where({ account_id: receiving.publicKey(), status: 'claimed' }))
              .length === 2,
          30_000,
        );
        expect(callbacks.requests).toHaveLength(2);
        expect(callbacks.requests[1]?.form.amount).toBe('2.0000000');
        const form = callbacks.requests[0]?.form as Record<string, string>;
        expect(form.transaction_id).toBe(sent[0].transaction_id);
        expect(form.claimable_balance_id).toBe(crashed.balance_id);
        expect(form.amount).toBe('7.0000000');
        expect(row.claim_hash).toBe(sent[0].transaction_id);
        expect(row.operation_id).toBe(form.id);
        const received = await db('received_payment').where({ transaction_id: form.transaction_id });
        expect(received.map((r) => r.operation_id)).toEqual([form.id]);
        // The claim's operation id as Horizon lists it: the claim of the recorded transaction.
        const ops = await horizon(net).operations().forTransaction(String(form.transaction_id)).call();
        expect(ops.records.map((o) => [o.id, o.type])).toEqual([[form.id, 'claim_claimable_balance']]);
        expect(await db('sent_transaction').where({ source: receiving.publicKey() })).toHaveLength(2);
        expect(await db('received_payment').where({ account_id: receiving.publicKey() })).toHaveLength(2);
        child.kill('SIGTERM');
      } finally {
        await db.destroy();
      }
    },
    120_000,
  );
});
