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
  it('applies a second synchronous submission from the same source in a later ledger', async () => {
    const [first, second] = await twoTxs(ctx);
    const [r1, r2] = await Promise.all([
      ctx.server.submitTransaction(first, { skipMemoRequiredCheck: true }),
      ctx.server.submitTransaction(second, { skipMemoRequiredCheck: true }),
    ]);
    expect(r1.successful && r2.successful).toBe(true);
    expect(r2.ledger).toBeGreaterThan(r1.ledger);
  });

  it('answers TRY_AGAIN_LATER on /transactions_async while the source has one pending', async () => {
    const [first, second] = await twoTxs(ctx);
    const post = (tx: typeof first) =>
      fetch(`${ctx.net.url}/transactions_async`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: `tx=${encodeURIComponent(tx.toEnvelope().toXDR('base64'))}`,
      });
    const r1 = await post(first);
    const r2 = await post(second);
    const dup = await post(first);
    expect([r1.status, r2.status, dup.status]).toEqual([201, 503, 409]);
    expect(await r1.json()).toEqual({ tx_status: 'PENDING', hash: first.hash().toString('hex') });
    expect(((await r2.json()) as { tx_status: string }).tx_status).toBe('TRY_AGAIN_LATER');
    expect(((await dup.json()) as { tx_status: string }).tx_status).toBe('DUPLICATE');

    await ctx.net.nextLedger();
    const applied = await ctx.server.transactions().transaction(first.hash().toString('hex')).call();
    expect(applied.successful).toBe(true);
    const again = await post(second);
    expect(again.status).toBe(201);
  });

  it('reports an invalid async submission as ERROR with a decodable result', async () => {
    const [first] = await twoTxs(ctx);
    await ctx.server.submitTransaction(first, { skipMemoRequiredCheck: true });
    const res = await fetch(`${ctx.net.url}/transactions_async`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: `tx=${encodeURIComponent(first.toEnvelope().toXDR('base64'))}`,
    });
    expect(res.status).toBe(409);
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
