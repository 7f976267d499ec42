// Conformance: ledger entries as stellar-core keeps them. An account and its trustlines are
// separate entries with their own last-modified ledgers; revoking a trustline's authorization
// removes its owner's offers in that asset; offers survive a localnet snapshot. Each row names the
// real source it was checked against (stellar/stellar-core master, stellar/stellar-horizon v28.0.0).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Asset,
  AuthRequiredFlag,
  AuthRevocableFlag,
  Keypair,
  Operation,
  type AuthFlag,
  type Horizon,
} from '@stellar/stellar-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTx, funded, startNet, type Ctx } from '../helpers.js';

const REMOVE_OFFERS =
  'stellar/stellar-core src/transactions/TrustFlagsOpFrameBase.cpp (doApply: shouldRemoveOffers), TransactionUtils.cpp (removeOffersByAccountAndAsset)';

let ctx: Ctx;
beforeAll(async () => {
  ctx = await startNet();
});
afterAll(async () => {
  await ctx?.net.close();
});

const submit = async (c: Ctx, source: Keypair, ops: Parameters<typeof buildTx>[2]) =>
  c.server.submitTransaction(await buildTx(c, source, ops), { skipMemoRequiredCheck: true });
const line = (a: Horizon.AccountResponse, code: string) =>
  a.balances.find((b) => 'asset_code' in b && b.asset_code === code) as Horizon.HorizonApi.BalanceLineAsset;

/** An issuer with AUTH_REQUIRED | AUTH_REVOCABLE and a holder authorized for USD and EUR, holding 100 of each. */
async function issued(c: Ctx) {
  const [issuer, holder] = [await funded(c), await funded(c)];
  const usd = new Asset('USD', issuer.publicKey());
  const eur = new Asset('EUR', issuer.publicKey());
  await submit(c, issuer, [
    Operation.setOptions({ setFlags: (AuthRequiredFlag | AuthRevocableFlag) as unknown as AuthFlag }),
  ]);
  await submit(c, holder, [Operation.changeTrust({ asset: usd }), Operation.changeTrust({ asset: eur })]);
  await submit(c, issuer, [
    Operation.setTrustLineFlags({ trustor: holder.publicKey(), asset: usd, flags: { authorized: true } }),
    Operation.setTrustLineFlags({ trustor: holder.publicKey(), asset: eur, flags: { authorized: true } }),
    Operation.payment({ destination: holder.publicKey(), asset: usd, amount: '100' }),
    Operation.payment({ destination: holder.publicKey(), asset: eur, amount: '100' }),
  ]);
  return { issuer, holder, usd, eur };
}

describe('last modified ledgers', () => {
  it(`a credit payment changes only the receiver's trustline entry, not its account entry — stellar/stellar-core src/transactions/PaymentOpFrame.cpp / PathPaymentOpFrameBase.cpp (updates the TrustLineEntry only); stellar-horizon internal/resourceadapter/account_entry.go (last_modified_ledger of each entry)`, async () => {
    const { issuer, holder, usd } = await issued(ctx);
    const before = await ctx.server.loadAccount(holder.publicKey());
    const res = await submit(ctx, issuer, [
      Operation.payment({ destination: holder.publicKey(), asset: usd, amount: '5' }),
    ]);
    const after = await ctx.server.loadAccount(holder.publicKey());
    expect(after.last_modified_ledger).toBe(before.last_modified_ledger);
    expect(line(after, 'USD').last_modified_ledger).toBe(res.ledger);
    expect(line(after, 'EUR').last_modified_ledger).toBe(line(before, 'EUR').last_modified_ledger);
    // A native payment changes the account entry.
    const native = await submit(ctx, issuer, [
      Operation.payment({ destination: holder.publicKey(), asset: Asset.native(), amount: '1' }),
    ]);
    expect((await ctx.server.loadAccount(holder.publicKey())).last_modified_ledger).toBe(native.ledger);
  });
});

describe('revoking authorization removes offers', () => {
  const offersOf = async (kp: Keypair) =>
    (await ctx.server.offers().forAccount(kp.publicKey()).call()).records;

  for (const how of ['allow_trust', 'set_trust_line_flags'] as const) {
    it(`${how} to 0 removes every offer of the trustor buying or selling the asset, with its liabilities and subentry — ${REMOVE_OFFERS}`, async () => {
      const { issuer, holder, usd, eur } = await issued(ctx);
      await submit(ctx, holder, [
        Operation.manageSellOffer({ selling: usd, buying: Asset.native(), amount: '10', price: '2' }),
        Operation.manageBuyOffer({ selling: Asset.native(), buying: usd, buyAmount: '5', price: '1' }),
        Operation.manageSellOffer({ selling: eur, buying: Asset.native(), amount: '10', price: '2' }),
      ]);
      expect(await offersOf(holder)).toHaveLength(3);
      const subentries = (await ctx.server.loadAccount(holder.publicKey())).subentry_count;
      await submit(ctx, issuer, [
        how === 'allow_trust'
          ? Operation.allowTrust({ trustor: holder.publicKey(), assetCode: 'USD', authorize: 0 })
          : Operation.setTrustLineFlags({
              trustor: holder.publicKey(),
              asset: usd,
              flags: { authorized: false },
            }),
      ]);
      const left = await offersOf(holder);
      expect(left.map((o) => (o.selling as { asset_code?: string }).asset_code)).toEqual(['EUR']);
      const acct = await ctx.server.loadAccount(holder.publicKey());
      expect(acct.subentry_count).toBe(subentries - 2);
      expect(line(acct, 'USD')).toMatchObject({
        is_authorized: false,
        selling_liabilities: '0.0000000',
        buying_liabilities: '0.0000000',
      });
      const native = acct.balances.find((b) => b.asset_type === 'native')!;
      expect(native.selling_liabilities).toBe('0.0000000'); // the USD buy offer's 5 XLM are released
      expect(line(acct, 'EUR').selling_liabilities).toBe('10.0000000');
    });
  }

  it(`authorized → authorized to maintain liabilities keeps the offers — ${REMOVE_OFFERS} (only when maintain-liabilities is lost too)`, async () => {
    const { issuer, holder, usd } = await issued(ctx);
    await submit(ctx, holder, [
      Operation.manageSellOffer({ selling: usd, buying: Asset.native(), amount: '10', price: '2' }),
    ]);
    await submit(ctx, issuer, [
      Operation.allowTrust({ trustor: holder.publicKey(), assetCode: 'USD', authorize: 2 }),
    ]);
    expect(await offersOf(holder)).toHaveLength(1);
  });
});

describe('snapshot', () => {
  it(`keeps offers, their liabilities and the offer id pool across a restart — localnet's own snapshot (stellar-core keeps offers as ledger entries, src/ledger/LedgerTxn.cpp; ids from the header's idPool)`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'localnet-offers-'));
    const file = join(dir, 'state.json');
    try {
      const first = await startNet({ snapshotFile: file });
      const { holder, usd } = await issued(first);
      await submit(first, holder, [
        Operation.manageSellOffer({ selling: usd, buying: Asset.native(), amount: '10', price: '2' }),
      ]);
      const before = (await first.server.offers().forAccount(holder.publicKey()).call()).records;
      const lineBefore = line(await first.server.loadAccount(holder.publicKey()), 'USD');
      await first.net.close();

      const second = await startNet({ snapshotFile: file });
      try {
        const after = (await second.server.offers().forAccount(holder.publicKey()).call()).records;
        expect(after.map(({ id, amount, price, seller }) => ({ id, amount, price, seller }))).toEqual(
          before.map(({ id, amount, price, seller }) => ({ id, amount, price, seller })),
        );
        expect(line(await second.server.loadAccount(holder.publicKey()), 'USD').selling_liabilities).toBe(
          lineBefore.selling_liabilities,
        );
        // The next offer gets the next id from the restored pool.
        await submit(second, holder, [
          Operation.manageSellOffer({ selling: usd, buying: Asset.native(), amount: '1', price: '3' }),
        ]);
        const ids = (await second.server.offers().forAccount(holder.publicKey()).call()).records.map((o) =>
          BigInt(o.id),
        );
        expect(ids).toEqual([BigInt(before[0]!.id), BigInt(before[0]!.id) + 1n]);
      } finally {
        await second.net.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
