import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Account, Asset, Operation, TransactionBuilder } from '@stellar/stellar-sdk';
import { funded, startNet, type Ctx } from './helpers.js';

let ctx: Ctx;
beforeAll(async () => {
  ctx = await startNet();
});
afterAll(async () => {
  await ctx.net.close();
});

async function twoTxs(ctx: Ctx) {
  const [a, b] = [await funded(ctx), await funded(ctx)];
  const loaded = await ctx.server.loadAccount(a.publicKey());
  const account = new Account(a.publicKey(), loaded.sequence);
  const build = () => {
    const tx = new TransactionBuilder(account, { fee: '100', networkPassphrase: ctx.net.networkPassphrase })
      .addOperation(Operation.payment({ destination: b.publicKey(), asset: Asset.native(), amount: '1' }))
      .setTimeout(60)
      .build();
    tx.sign(a);
    return tx;
  };
  return [build(), build()] as const;
}

describe('one transaction per source account per ledger', () => {
  it('applies a second synchronous submission from the same source once the first has landed', async () => {
    // stellar-core refuses a second pending transaction per source (TRY_AGAIN_LATER, see
    // conformance/queue.test.ts), so a client sends the next one after the first is in a ledger.
    const [first, second] = await twoTxs(ctx);
    const r1 = await ctx.server.submitTransaction(first, { skipMemoRequiredCheck: true });
    const r2 = await ctx.server.submitTransaction(second, { skipMemoRequiredCheck: true });
    expect(r1.successful && r2.successful).toBe(true);
    expect(r2.ledger).toBeGreaterThan(r1.ledger);
  });

  // TRY_AGAIN_LATER / DUPLICATE while one is pending: conformance/queue.test.ts, with manual ledgers.

  it('reports an invalid async submission as ERROR with a decodable result', async () => {
    const [first] = await twoTxs(ctx);
    await ctx.server.submitTransaction(first, { skipMemoRequiredCheck: true });
    const res = await fetch(`${ctx.net.url}/transactions_async`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: `tx=${encodeURIComponent(first.toEnvelope().toXDR('base64'))}`,
    });
    // An applied hash is banned for 10 ledgers (stellar-core TransactionQueue), not DUPLICATE.
    expect(res.status).toBe(503);
    const [, second] = await twoTxs(ctx);
    const bad = await fetch(`${ctx.net.url}/transactions_async`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: `tx=${encodeURIComponent(second.toEnvelope().toXDR('base64'))}`,
    });
    const body = (await bad.json()) as { tx_status: string; error_result_xdr: string };
    expect(bad.status).toBe(400);
    expect(body.tx_status).toBe('ERROR');
    expect(body.error_result_xdr).toBe('AAAAAAAAAGT////7AAAAAA==');
  });
});
