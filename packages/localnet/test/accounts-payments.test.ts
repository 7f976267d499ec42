import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AccountRequiresMemoError,
  Asset,
  Keypair,
  Memo,
  NotFoundError,
  Operation,
  xdr,
} from '@stellar/stellar-sdk';
import { buildTx, funded, startNet, type Ctx } from './helpers.js';

let ctx: Ctx;
beforeAll(async () => {
  ctx = await startNet();
});
afterAll(async () => {
  await ctx.net.close();
});

describe('accounts and payments through the real SDK', () => {
  it('serves the root document with the network passphrase and a Date header', async () => {
    const res = await fetch(ctx.net.url);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body.network_passphrase).toBe('Standalone Network ; February 2017');
    expect(res.headers.get('date')).toBeTruthy();
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
  });

  it('funds a new account through friendbot and loads it with loadAccount', async () => {
    const kp = Keypair.random();
    const res = await fetch(`${ctx.net.url}/friendbot?addr=${kp.publicKey()}`);
    expect(res.status).toBe(200);
    const tx = (await res.json()) as { hash: string; successful: boolean; ledger: number };
    expect(tx.successful).toBe(true);
    const account = await ctx.server.loadAccount(kp.publicKey());
    expect(account.accountId()).toBe(kp.publicKey());
    expect(account.sequence).toBe((BigInt(tx.ledger) << 32n).toString());
    expect(account.balances).toEqual([
      {
        balance: '10000.0000000',
        buying_liabilities: '0.0000000',
        selling_liabilities: '0.0000000',
        asset_type: 'native',
      },
    ]);
    expect(account.thresholds).toEqual({ low_threshold: 0, med_threshold: 0, high_threshold: 0 });
    expect(account.signers).toEqual([{ weight: 1, key: kp.publicKey(), type: 'ed25519_public_key' }]);
    expect(account.data_attr).toEqual({});
  });

  it('refuses to friendbot an account twice and rejects a bad address', async () => {
    const kp = await funded(ctx);
    const again = await fetch(`${ctx.net.url}/friendbot?addr=${kp.publicKey()}`);
    expect(again.status).toBe(400);
    expect(((await again.json()) as { detail: string }).detail).toMatch(/already funded/);
    const bad = await fetch(`${ctx.net.url}/friendbot?addr=nope`);
    expect(bad.status).toBe(400);
  });

  it('throws NotFoundError for an unknown account', async () => {
    await expect(ctx.server.loadAccount(Keypair.random().publicKey())).rejects.toBeInstanceOf(NotFoundError);
  });

  it('submits a payment synchronously with real result XDR, memo and history', async () => {
    const [a, b] = [await funded(ctx), await funded(ctx)];
    const tx = await buildTx(
      ctx,
      a,
      [Operation.payment({ destination: b.publicKey(), asset: Asset.native(), amount: '12.5' })],
      {
        memo: Memo.text('invoice-42'),
      },
    );
    const res = await ctx.server.submitTransaction(tx);
    expect(res.successful).toBe(true);
    expect(res.hash).toBe(tx.hash().toString('hex'));
    const result = xdr.TransactionResult.fromXDR(res.result_xdr, 'base64');
    expect(result.result().switch().name).toBe('txSuccess');
    expect(result.feeCharged().toString()).toBe('100');
    expect(xdr.TransactionMeta.fromXDR(res.result_meta_xdr, 'base64')).toBeTruthy();

    const loadedA = await ctx.server.loadAccount(a.publicKey());
    expect(loadedA.balances[0]!.balance).toBe('987.4999900');
    const loadedB = await ctx.server.loadAccount(b.publicKey());
    expect(loadedB.balances[0]!.balance).toBe('1012.5000000');

    const record = await ctx.server.transactions().transaction(res.hash).call();
    expect(record.memo).toBe('invoice-42');
    expect(record.memo_type).toBe('text');
    expect(record.fee_charged).toBe('100');
    expect(record.source_account_sequence).toBe(tx.sequence);

    const payments = await ctx.server.payments().forAccount(b.publicKey()).order('desc').limit(1).call();
    const p = payments.records[0] as unknown as Record<string, unknown>;
    expect(p.type).toBe('payment');
    expect(p.amount).toBe('12.5000000');
    expect(p.from).toBe(a.publicKey());
    expect(p.to).toBe(b.publicKey());
    expect(p.transaction_hash).toBe(res.hash);
    const ops = await ctx.server.operations().forTransaction(res.hash).call();
    expect(ops.records[0]!.id).toBe(p.id);
    const joined = await ctx.server.payments().forTransaction(res.hash).join('transactions').call();
    // The SDK turns a joined record into a link function that resolves to it without a request.
    const joinedTx = await (
      joined.records[0] as unknown as { transaction: () => Promise<{ memo: string }> }
    ).transaction();
    expect(joinedTx.memo).toBe('invoice-42');
  });

  it('enforces the SEP-29 memo-required check through account data', async () => {
    const [a, b] = [await funded(ctx), await funded(ctx)];
    await ctx.server.submitTransaction(
      await buildTx(ctx, b, [Operation.manageData({ name: 'config.memo_required', value: '1' })]),
    );
    const account = await ctx.server.loadAccount(b.publicKey());
    expect(account.data_attr['config.memo_required']).toBe('MQ==');
    const noMemo = await buildTx(ctx, a, [
      Operation.payment({ destination: b.publicKey(), asset: Asset.native(), amount: '1' }),
    ]);
    await expect(ctx.server.submitTransaction(noMemo)).rejects.toBeInstanceOf(AccountRequiresMemoError);
    const withMemo = await buildTx(
      ctx,
      a,
      [Operation.payment({ destination: b.publicKey(), asset: Asset.native(), amount: '1' })],
      {
        memo: Memo.id('7'),
      },
    );
    expect((await ctx.server.submitTransaction(withMemo)).successful).toBe(true);
    const data = await fetch(`${ctx.net.url}/accounts/${b.publicKey()}/data/config.memo_required`);
    expect(await data.json()).toEqual({ value: 'MQ==' });
  });

  it('serves fee stats, ledgers and the base fee the SDK reads', async () => {
    expect(await ctx.server.fetchBaseFee()).toBe(100);
    const ledgers = await ctx.server.ledgers().order('desc').limit(1).call();
    const l = ledgers.records[0]!;
    expect(l.sequence).toBe(ctx.net.latestLedger());
    expect(l.base_reserve_in_stroops).toBe(5_000_000);
    expect(xdr.LedgerHeader.fromXDR(l.header_xdr, 'base64').ledgerSeq()).toBe(l.sequence);
    const older = await ledgers.next();
    expect(older.records[0]!.sequence).toBe(l.sequence - 1);
  });

  it('supports every memo type', async () => {
    const [a, b] = [await funded(ctx), await funded(ctx)];
    const hash = Buffer.alloc(32, 7);
    for (const memo of [
      Memo.none(),
      Memo.id('18446744073709551615'),
      Memo.hash(hash.toString('hex')),
      Memo.return(hash.toString('hex')),
    ]) {
      const tx = await buildTx(
        ctx,
        a,
        [Operation.payment({ destination: b.publicKey(), asset: Asset.native(), amount: '1' })],
        {
          memo,
        },
      );
      const res = await ctx.server.submitTransaction(tx);
      const record = await ctx.server.transactions().transaction(res.hash).call();
      expect(record.memo_type).toBe(memo.type);
      if (memo.type === 'id') expect(record.memo).toBe('18446744073709551615');
      if (memo.type === 'hash' || memo.type === 'return') expect(record.memo).toBe(hash.toString('base64'));
    }
  });

  it('merges an account and reports the amount in the operation effects', async () => {
    const [a, b] = [await funded(ctx, '50'), await funded(ctx)];
    const res = await ctx.server.submitTransaction(
      await buildTx(ctx, a, [Operation.accountMerge({ destination: b.publicKey() })]),
    );
    const merged = xdr.TransactionResult.fromXDR(res.result_xdr, 'base64').result().results()[0]!;
    expect(merged.tr().accountMergeResult().sourceAccountBalance().toString()).toBe('499999900');
    const ops = await ctx.server.operations().forTransaction(res.hash).call();
    const effects = await ctx.server.effects().forOperation(ops.records[0]!.id).call();
    const credited = effects.records.find((e) => e.type === 'account_credited') as unknown as {
      amount: string;
      account: string;
    };
    expect(credited).toMatchObject({ amount: '49.9999900', account: b.publicKey() });
    expect(effects.records.map((e) => e.type)).toContain('account_removed');
    await expect(ctx.server.loadAccount(a.publicKey())).rejects.toBeInstanceOf(NotFoundError);
    const payments = await ctx.server.payments().forAccount(b.publicKey()).order('desc').limit(1).call();
    expect(payments.records[0]!.type).toBe('account_merge');
  });

  it('applies same-asset path payments and bump_sequence', async () => {
    const [a, b] = [await funded(ctx), await funded(ctx)];
    const res = await ctx.server.submitTransaction(
      await buildTx(ctx, a, [
        Operation.pathPaymentStrictSend({
          sendAsset: Asset.native(),
          sendAmount: '5',
          destination: b.publicKey(),
          destAsset: Asset.native(),
          destMin: '4',
          path: [],
        }),
        Operation.pathPaymentStrictReceive({
          sendAsset: Asset.native(),
          sendMax: '6',
          destination: b.publicKey(),
          destAsset: Asset.native(),
          destAmount: '6',
          path: [],
        }),
        Operation.bumpSequence({ bumpTo: '999999999999' }),
      ]),
    );
    expect(res.successful).toBe(true);
    expect((await ctx.server.loadAccount(b.publicKey())).balances[0]!.balance).toBe('1011.0000000');
    expect((await ctx.server.loadAccount(a.publicKey())).sequence).toBe('999999999999');
  });
});
