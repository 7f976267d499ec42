// `pnpm demo --network rpc`, one level below the CLI (the demo itself binds fixed ports, so it
// cannot run beside other tests): the same two-bank stack with both bridges on localnet's Stellar
// RPC and no Horizon URL in their configs, walking the demo's flow — a1 pays b1 25 USD with the
// compliance exchange (pending until b1 approves), bank B's bridge sees it over RPC, and b1 is
// credited once.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ConsoleClient,
  DEMO_CUSTOMERS,
  balanceOf,
  lookUp,
  pay,
  startTwoBankStack,
  waitForDelivery,
  type RunningStack,
} from '@anchor/tools';

describe('the demo flow with both bridges on Stellar RPC', () => {
  let stack: RunningStack;

  beforeAll(async () => {
    stack = await startTwoBankStack({
      runDir: mkdtempSync(join(tmpdir(), 'anchor-demo-rpc-')),
      closeIntervalMs: 500,
      nginx: 'off',
      fixedPorts: false,
      network: 'rpc',
      customers: DEMO_CUSTOMERS,
    });
  }, 180_000);
  afterAll(async () => {
    await stack?.stop();
  });

  it('configures both bridges for RPC only, and a1 → b1 goes through with the compliance exchange', async () => {
    const { a, b } = stack.banks;
    for (const bank of [a, b]) {
      const cfg = readFileSync(bank.files.configs.bridge, 'utf8');
      expect(cfg).toContain('backend = "rpc"');
      expect(cfg).toContain(`rpc_url = "${stack.localnet.rpcUrl}"`);
      expect(cfg).not.toMatch(/^horizon/m);
      const health = await fetch(`${bank.urls.bridge}/health`);
      expect(await health.json()).toMatchObject({ checks: { network: 'ok' } });
    }
    const usd = stack.setup.usd;
    const record = await lookUp(stack, 'b1*bank-b.test');
    expect(record.account_id).toBe(b.plan.receiving.publicKey());
    const payment = {
      id: 'demo-rpc-1',
      amount: '25',
      asset_code: 'USD',
      asset_issuer: usd.getIssuer(),
      sender: 'a1*bank-a.test',
      destination: 'b1*bank-b.test',
      use_compliance: 'true',
    };
    const first = await pay(a, payment);
    expect(first.status).toBe(202);
    const consoleB = new ConsoleClient(b.urls.callbacks, b.plan.operatorPassword);
    await consoleB.signIn();
    expect(await consoleB.decideAllPending('approve')).toBe(1);
    const before = await balanceOf(stack.localnet.url, b.plan.receiving.publicKey(), usd);
    const second = await pay(a, payment);
    expect(second.status).toBe(200);
    const hash = String(second.body.hash);
    // Bank B's bridge reads the payment from getEvents and its backend credits b1, once.
    await waitForDelivery(b, hash);
    expect(await consoleB.balanceOf('b1*bank-b.test')).toMatch(/^25\.00 USD$/);
    expect(Number(await balanceOf(stack.localnet.url, b.plan.receiving.publicKey(), usd))).toBe(
      Number(before) + 25,
    );
    const again = await pay(a, payment);
    expect(again.body.hash).toBe(hash);
  }, 180_000);
});
