// Dev-only Stellar Asset Contract transfers (devSacTransfers) against the real SDK. Rows name:
//   hz-op  = stellar-horizon internal/ingest/processors/operations_processor.go (IsPayment,
//            invoke_host_function details, createSACBalanceChangeEntry, participants from SAC events)
//   hz-fx  = stellar-horizon internal/ingest/processors/effects_processor.go
//            (addInvokeHostFunctionEffects: account_debited then account_credited, muxed credited)
//   hz-ev  = stellar-horizon internal/ingest/contractevents/events.go (SAC event shapes, v4 meta)
//   cap67  = stellar-protocol core/cap-0067.md (issuer transfer emits mint/burn; {amount, to_muxed_id})
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Asset,
  MuxedAccount,
  Operation,
  rpc,
  scValToNative,
  xdr,
  type Horizon,
  type Keypair,
} from '@stellar/stellar-sdk';
import { sacMintOperation, sacTransferOperation } from '../../src/index.js';
import { buildTx, funded, startNet, submitExpectingFailure, type Ctx } from '../helpers.js';

let ctx: Ctx;
let plain: Ctx;
beforeAll(async () => {
  ctx = await startNet({ devSacTransfers: true });
  plain = await startNet();
});
afterAll(async () => {
  await ctx.net.close();
  await plain.net.close();
});

type Rec = Record<string, unknown>;

/** `signer`'s transaction calling the SAC's transfer(from, to, stroops); `from` defaults to the signer. */
async function sacTx(
  c: Ctx,
  signer: Keypair,
  to: string,
  asset: Asset,
  stroops: bigint,
  from = signer.publicKey(),
) {
  const op = sacTransferOperation({ asset, from, to, stroops, networkPassphrase: c.net.networkPassphrase });
  return buildTx(c, signer, [op]);
}

async function opsOf(hash: string): Promise<Rec[]> {
  const page = await ctx.server.operations().forTransaction(hash).call();
  return page.records as unknown as Rec[];
}

describe('SAC transfers (devSacTransfers)', () => {
  it('moves lumens and lists an invoke_host_function with asset_balance_changes and no `to` in /payments (hz-op, hz-fx)', async () => {
    const [alice, bob] = [await funded(ctx), await funded(ctx)];
    const op = sacTransferOperation({
      asset: Asset.native(),
      from: alice.publicKey(),
      to: bob.publicKey(),
      stroops: 25_000_000n,
      networkPassphrase: ctx.net.networkPassphrase,
    });
    const res = await ctx.server.submitTransaction(await buildTx(ctx, alice, [op]));
    const bobAcct = await ctx.server.loadAccount(bob.publicKey());
    expect(bobAcct.balances.find((b) => b.asset_type === 'native')!.balance).toBe('1002.5000000');

    const payments = (await ctx.server.payments().forAccount(bob.publicKey()).order('desc').limit(1).call())
      .records[0] as unknown as Rec;
    expect(payments).toMatchObject({
      type: 'invoke_host_function',
      type_i: 24,
      transaction_hash: res.hash,
      source_account: alice.publicKey(),
      function: 'HostFunctionTypeHostFunctionTypeInvokeContract',
      address: '',
      salt: '',
      asset_balance_changes: [
        {
          asset_type: 'native',
          type: 'transfer',
          from: alice.publicKey(),
          to: bob.publicKey(),
          amount: '2.5000000',
        },
      ],
    });
    expect(payments).not.toHaveProperty('to');
    const params = payments.parameters as { type: string; value: string }[];
    expect(params.map((p) => p.type)).toEqual(['Address', 'Sym', 'Address', 'Address', 'I128']);
    expect(scValToNative(xdr.ScVal.fromXDR(params[1]!.value, 'base64'))).toBe('transfer');
    // The sender's payments list it too (participants from the SAC event).
    const alicePays = await ctx.server.payments().forAccount(alice.publicKey()).order('desc').limit(1).call();
    expect(alicePays.records[0]!.id).toBe(payments.id);

    const effects = await ctx.server.effects().forOperation(String(payments.id)).call();
    expect(effects.records.map((e) => [e.type, e.account])).toEqual([
      ['account_debited', alice.publicKey()],
      ['account_credited', bob.publicKey()],
    ]);
    // The SDK's streams see the same record.
    const [ops] = [await opsOf(res.hash)];
    expect(ops[0]!.id).toBe(payments.id);
  });

  it('a credit asset from the issuer is a mint with no `from`; to the issuer a burn with no `to` (cap67, hz-op)', async () => {
    const [issuer, holder] = [await funded(ctx), await funded(ctx)];
    const usd = new Asset('USD', issuer.publicKey());
    await ctx.server.submitTransaction(await buildTx(ctx, holder, [Operation.changeTrust({ asset: usd })]));
    const pass = ctx.net.networkPassphrase;
    const minted = await ctx.server.submitTransaction(
      await buildTx(ctx, issuer, [
        sacMintOperation({
          asset: usd,
          to: holder.publicKey(),
          stroops: 50_000_000n,
          networkPassphrase: pass,
        }),
      ]),
    );
    const sent = await ctx.server.submitTransaction(
      await sacTx(ctx, issuer, holder.publicKey(), usd, 10_000_000n),
    );
    const burned = await ctx.server.submitTransaction(
      await sacTx(ctx, holder, issuer.publicKey(), usd, 20_000_000n),
    );
    const change = async (hash: string) => ((await opsOf(hash))[0]!.asset_balance_changes as Rec[])[0];
    const usdFields = { asset_type: 'credit_alphanum4', asset_code: 'USD', asset_issuer: issuer.publicKey() };
    expect(await change(minted.hash)).toEqual({
      type: 'mint',
      to: holder.publicKey(),
      amount: '5.0000000',
      ...usdFields,
    });
    expect(await change(sent.hash)).toEqual({
      type: 'mint',
      to: holder.publicKey(),
      amount: '1.0000000',
      ...usdFields,
    });
    expect(await change(burned.hash)).toEqual({
      type: 'burn',
      from: holder.publicKey(),
      amount: '2.0000000',
      ...usdFields,
    });
    const line = (await ctx.server.loadAccount(holder.publicKey())).balances.find(
      (b) => (b as Horizon.HorizonApi.BalanceLineAsset).asset_code === 'USD',
    )!;
    expect(line.balance).toBe('4.0000000');
  });

  it('an M… `to` records destination_muxed_id, credits the G account with account_muxed, and RPC emits {amount, to_muxed_id} (hz-op, hz-fx, cap67)', async () => {
    const [alice, bob] = [await funded(ctx), await funded(ctx)];
    const bobAccount = await ctx.server.loadAccount(bob.publicKey());
    const muxed = new MuxedAccount(bobAccount, '77').accountId();
    const res = await ctx.server.submitTransaction(
      await sacTx(ctx, alice, muxed, Asset.native(), 10_000_000n),
    );
    const [op] = await opsOf(res.hash);
    expect(op!.asset_balance_changes).toEqual([
      {
        asset_type: 'native',
        type: 'transfer',
        from: alice.publicKey(),
        to: bob.publicKey(),
        amount: '1.0000000',
        destination_muxed_id: '77',
      },
    ]);
    const credited = (await ctx.server.effects().forOperation(String(op!.id)).call()).records.find(
      (e) => e.type === 'account_credited',
    ) as unknown as Rec;
    expect(credited).toMatchObject({
      account: bob.publicKey(),
      account_muxed: muxed,
      account_muxed_id: '77',
    });

    const server = new rpc.Server(ctx.net.rpcUrl, { allowHttp: true });
    const events = await server.getEvents({
      startLedger: res.ledger,
      endLedger: res.ledger + 1,
      filters: [{ type: 'contract', topics: [['*', '*', '*', '*']] }],
    });
    const transfer = events.events.find((e) => e.txHash === res.hash)!;
    expect(transfer.contractId?.contractId()).toBe(Asset.native().contractId(ctx.net.networkPassphrase));
    expect(transfer.topic.map((t) => scValToNative(t))).toEqual([
      'transfer',
      alice.publicKey(),
      bob.publicKey(),
      'native',
    ]);
    expect(scValToNative(transfer.value)).toEqual({ amount: 10_000_000n, to_muxed_id: 77n });
  });

  it('a transfer the SAC would refuse traps, charges the fee and moves nothing; another account as `from` traps (hz-op)', async () => {
    const [alice, bob, carol] = [await funded(ctx), await funded(ctx), await funded(ctx)];
    const usd = new Asset('USD', carol.publicKey());
    const noTrust = await sacTx(ctx, alice, bob.publicKey(), usd, 1n);
    const f1 = await submitExpectingFailure(ctx, noTrust);
    expect(f1.codes).toEqual({ transaction: 'tx_failed', operations: ['function_trapped'] });
    const notMine = await sacTx(ctx, alice, alice.publicKey(), Asset.native(), 1n, bob.publicKey());
    const f2 = await submitExpectingFailure(ctx, notMine);
    expect(f2.codes).toEqual({ transaction: 'tx_failed', operations: ['function_trapped'] });
    const bobAcct = await ctx.server.loadAccount(bob.publicKey());
    expect(bobAcct.balances.find((b) => b.asset_type === 'native')!.balance).toBe('1000.0000000');
    // Failed transactions are not payments.
    const bobPays = await ctx.server.payments().forAccount(bob.publicKey()).call();
    expect(bobPays.records.map((r) => r.type)).toEqual(['create_account']);
  });

  it('without devSacTransfers an invoke_host_function stays op_not_supported (localnet runs no Soroban)', async () => {
    const alice = await funded(plain);
    const tx = await sacTx(plain, alice, alice.publicKey(), Asset.native(), 1n);
    const f = await submitExpectingFailure(plain, tx);
    expect(f.codes).toEqual({ transaction: 'tx_failed', operations: ['op_not_supported'] });
  });
});
