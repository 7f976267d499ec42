// Stellar RPC over the order book and claimable balances, through the SDK's rpc.Server:
// getLedgerEntries for offer and claimable-balance keys, and the CAP-67 events of operations that
// cross offers (both sides of every trade, then the path payment's final transfer) and of
// claimable balances (create / claim / clawback, the balance as an SC_ADDRESS_TYPE_CLAIMABLE_BALANCE
// address). Rows checked against stellar-protocol core/cap-0067.md ("Path Payment Strict Send /
// Path Payment Strict Receive", "Manage Buy Offer / Manage Sell Offer", "Create / Claim Claimable
// Balance", "Clawback / Clawback Claimable Balance") and stellar-core
// src/transactions/EventManager.cpp (eventsForClaimAtoms: bought asset source → seller, then sold
// asset seller → source; eventForTransferWithIssuerCheck), PathPaymentStrictSendOpFrame.cpp,
// ManageOfferOpFrameBase.cpp, CreateClaimableBalanceOpFrame.cpp, ClaimClaimableBalanceOpFrame.cpp,
// ClawbackClaimableBalanceOpFrame.cpp.
import {
  Asset,
  AuthClawbackEnabledFlag,
  AuthRevocableFlag,
  Claimant,
  Keypair,
  Memo,
  Operation,
  StrKey,
  rpc,
  scValToNative,
  xdr,
} from '@stellar/stellar-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTx, funded, startNet, type Ctx } from './helpers.js';

let ctx: Ctx;
let server: rpc.Server;
let issuer: Keypair;
let usd: Asset;

async function submit(source: Keypair, ops: xdr.Operation[], memo?: Memo) {
  const tx = await buildTx(ctx, source, ops, { memo });
  return ctx.server.submitTransaction(tx, { skipMemoRequiredCheck: true });
}

/** The operation events of a transaction as getEvents returns them, decoded. */
async function opEvents(hash: string) {
  const got = await server.getTransaction(hash);
  if (got.status !== rpc.Api.GetTransactionStatus.SUCCESS) throw new Error(`${hash}: ${got.status}`);
  const page = await server.getEvents({ startLedger: got.ledger, endLedger: got.ledger + 1, filters: [] });
  return page.events
    .filter((e) => e.txHash === hash && e.topic[0] && scValToNative(e.topic[0]) !== 'fee')
    .map((e) => ({
      contract: e.contractId?.contractId(),
      topic: e.topic.map((t) => scValToNative(t) as unknown),
      value: scValToNative(e.value) as unknown,
    }));
}

const sac = (a: Asset) => a.contractId(ctx.net.networkPassphrase);
const sep11 = (a: Asset) => (a.isNative() ? 'native' : `${a.getCode()}:${a.getIssuer()}`);
/** A claimable balance's strkey (B…) from Horizon's hex id ("00000000" + sha256). */
const balanceAddress = (hexId: string) =>
  StrKey.encodeClaimableBalance(Buffer.concat([Buffer.from([0]), Buffer.from(hexId.slice(8), 'hex')]));
const stroops = (v: xdr.Int64) => BigInt(v.toString());

async function trusting(amount: string): Promise<Keypair> {
  const kp = await funded(ctx, '1000');
  await submit(kp, [Operation.changeTrust({ asset: usd })]);
  if (amount !== '0')
    await submit(issuer, [Operation.payment({ destination: kp.publicKey(), asset: usd, amount })]);
  return kp;
}

beforeAll(async () => {
  ctx = await startNet();
  server = new rpc.Server(ctx.net.rpcUrl, { allowHttp: true });
  issuer = await funded(ctx, '1000');
  await submit(issuer, [
    Operation.setOptions({ setFlags: (AuthRevocableFlag | AuthClawbackEnabledFlag) as never }),
  ]);
  usd = new Asset('USD', issuer.publicKey());
});
afterAll(() => ctx.net.close());

describe('path payments and offers that cross the book', () => {
  let maker: Keypair;
  let makerOffer: string;

  it('getLedgerEntries finds a resting offer by seller and id, and no longer once it is gone', async () => {
    maker = await trusting('500');
    const r = await submit(maker, [
      Operation.manageSellOffer({ selling: usd, buying: Asset.native(), amount: '100', price: '2' }),
    ]);
    const result = xdr.TransactionResult.fromXDR(r.result_xdr, 'base64').result().results()[0]!.tr();
    makerOffer = result.manageSellOfferResult().success().offer().offer().offerId().toString();
    const key = xdr.LedgerKey.offer(
      new xdr.LedgerKeyOffer({
        sellerId: Keypair.fromPublicKey(maker.publicKey()).xdrAccountId(),
        offerId: xdr.Int64.fromString(makerOffer),
      }),
    );
    const res = await server.getLedgerEntries(key);
    expect(res.entries).toHaveLength(1);
    const entry = res.entries[0]!;
    const offer = entry.val.offer();
    expect(StrKey.encodeEd25519PublicKey(offer.sellerId().ed25519())).toBe(maker.publicKey());
    expect(offer.offerId().toString()).toBe(makerOffer);
    expect(Asset.fromOperation(offer.selling()).equals(usd)).toBe(true);
    expect(offer.buying().switch().name).toBe('assetTypeNative');
    expect(offer.amount().toString()).toBe('1000000000');
    expect([offer.price().n(), offer.price().d()]).toEqual([2, 1]);
    expect(entry.lastModifiedLedgerSeq).toBe(Number(r.ledger));
    // Another seller with the same id is not this offer.
    const wrongSeller = xdr.LedgerKey.offer(
      new xdr.LedgerKeyOffer({
        sellerId: Keypair.random().xdrAccountId(),
        offerId: xdr.Int64.fromString(makerOffer),
      }),
    );
    expect((await server.getLedgerEntries(wrongSeller)).entries).toHaveLength(0);
  });

  it('a strict-send path payment emits both sides of each trade, then the final transfer with the memo', async () => {
    const alice = await funded(ctx, '1000');
    const bob = await trusting('0');
    // The issuer sells USD too, at a worse price: the payment crosses the maker, then the issuer.
    await submit(issuer, [
      Operation.manageSellOffer({ selling: usd, buying: Asset.native(), amount: '100', price: '4' }),
    ]);
    const r = await submit(
      alice,
      [
        Operation.pathPaymentStrictSend({
          sendAsset: Asset.native(),
          sendAmount: '240',
          destination: bob.publicKey(),
          destAsset: usd,
          destMin: '1',
          path: [],
        }),
      ],
      Memo.text('pp-1'),
    );
    const success = xdr.TransactionResult.fromXDR(r.result_xdr, 'base64')
      .result()
      .results()[0]!
      .tr()
      .pathPaymentStrictSendResult()
      .success();
    const atoms = success.offers().map((a) => a.orderBook());
    expect(atoms.map((a) => StrKey.encodeEd25519PublicKey(a.sellerId().ed25519()))).toEqual([
      maker.publicKey(),
      issuer.publicKey(),
    ]);
    const [m, i] = atoms as [xdr.ClaimOfferAtom, xdr.ClaimOfferAtom];
    const received = stroops(success.last().amount());
    expect(received).toBe(stroops(m.amountSold()) + stroops(i.amountSold()));
    expect(await opEvents(r.hash)).toEqual([
      // Maker: the XLM it bought from alice, the USD it sold to her.
      {
        contract: sac(Asset.native()),
        topic: ['transfer', alice.publicKey(), maker.publicKey(), 'native'],
        value: stroops(m.amountBought()),
      },
      {
        contract: sac(usd),
        topic: ['transfer', maker.publicKey(), alice.publicKey(), sep11(usd)],
        value: stroops(m.amountSold()),
      },
      // The issuer as seller: its USD side is a mint to alice (no memo on trades).
      {
        contract: sac(Asset.native()),
        topic: ['transfer', alice.publicKey(), issuer.publicKey(), 'native'],
        value: stroops(i.amountBought()),
      },
      { contract: sac(usd), topic: ['mint', alice.publicKey(), sep11(usd)], value: stroops(i.amountSold()) },
      // Then alice → bob, the destination amount, with the memo as to_muxed_id.
      {
        contract: sac(usd),
        topic: ['transfer', alice.publicKey(), bob.publicKey(), sep11(usd)],
        value: { amount: received, to_muxed_id: 'pp-1' },
      },
    ]);
    // The maker's offer was taken whole: its ledger entry is gone.
    const key = xdr.LedgerKey.offer(
      new xdr.LedgerKeyOffer({
        sellerId: Keypair.fromPublicKey(maker.publicKey()).xdrAccountId(),
        offerId: xdr.Int64.fromString(makerOffer),
      }),
    );
    expect((await server.getLedgerEntries(key)).entries).toHaveLength(0);
  });

  it('a manage_sell_offer that crosses emits the trade pair and nothing else', async () => {
    const xlmSeller = await trusting('0');
    await submit(xlmSeller, [
      Operation.manageSellOffer({ selling: Asset.native(), buying: usd, amount: '50', price: '1' }),
    ]);
    const taker = await trusting('20');
    const r = await submit(
      taker,
      [Operation.manageSellOffer({ selling: usd, buying: Asset.native(), amount: '5', price: '1' })],
      Memo.id('9'),
    );
    expect(await opEvents(r.hash)).toEqual([
      {
        contract: sac(usd),
        topic: ['transfer', taker.publicKey(), xlmSeller.publicKey(), sep11(usd)],
        value: 50_000_000n,
      },
      {
        contract: sac(Asset.native()),
        topic: ['transfer', xlmSeller.publicKey(), taker.publicKey(), 'native'],
        value: 50_000_000n,
      },
    ]);
  });
});

describe('claimable balances', () => {
  it('create is a transfer to the balance (never a memo), claim a transfer from it (with the memo)', async () => {
    const alice = await funded(ctx, '1000');
    const bob = await funded(ctx, '1000');
    const created = await submit(
      alice,
      [
        Operation.createClaimableBalance({
          asset: Asset.native(),
          amount: '10',
          claimants: [new Claimant(bob.publicKey())],
        }),
      ],
      Memo.text('not-on-a-balance'),
    );
    const id = xdr.TransactionResult.fromXDR(created.result_xdr, 'base64')
      .result()
      .results()[0]!
      .tr()
      .createClaimableBalanceResult()
      .balanceId()
      .toXDR('hex');
    expect(await opEvents(created.hash)).toEqual([
      {
        contract: sac(Asset.native()),
        topic: ['transfer', alice.publicKey(), balanceAddress(id), 'native'],
        value: 100_000_000n,
      },
    ]);
    const claimed = await submit(bob, [Operation.claimClaimableBalance({ balanceId: id })], Memo.id('7'));
    expect(await opEvents(claimed.hash)).toEqual([
      {
        contract: sac(Asset.native()),
        topic: ['transfer', balanceAddress(id), bob.publicKey(), 'native'],
        value: { amount: 100_000_000n, to_muxed_id: 7n },
      },
    ]);
  });

  it('the issuer creates (mint to the balance), getLedgerEntries shows it, clawback removes it', async () => {
    const bob = await trusting('0');
    const created = await submit(issuer, [
      Operation.createClaimableBalance({
        asset: usd,
        amount: '3',
        claimants: [new Claimant(bob.publicKey())],
      }),
    ]);
    const id = xdr.TransactionResult.fromXDR(created.result_xdr, 'base64')
      .result()
      .results()[0]!
      .tr()
      .createClaimableBalanceResult()
      .balanceId()
      .toXDR('hex');
    expect(await opEvents(created.hash)).toEqual([
      { contract: sac(usd), topic: ['mint', balanceAddress(id), sep11(usd)], value: 30_000_000n },
    ]);

    const key = xdr.LedgerKey.claimableBalance(
      new xdr.LedgerKeyClaimableBalance({ balanceId: xdr.ClaimableBalanceId.fromXDR(id, 'hex') }),
    );
    const res = await server.getLedgerEntries(key);
    expect(res.entries).toHaveLength(1);
    const entry = res.entries[0]!;
    const balance = entry.val.claimableBalance();
    expect(balance.balanceId().toXDR('hex')).toBe(id);
    expect(balance.amount().toString()).toBe('30000000');
    expect(Asset.fromOperation(balance.asset()).equals(usd)).toBe(true);
    expect(
      balance.claimants().map((c) => StrKey.encodeEd25519PublicKey(c.v0().destination().ed25519())),
    ).toEqual([bob.publicKey()]);
    expect(balance.claimants()[0]!.v0().predicate().switch().name).toBe('claimPredicateUnconditional');
    // The issuer's clawback flag is carried as CLAIMABLE_BALANCE_CLAWBACK_ENABLED_FLAG (v1 ext).
    expect(balance.ext().switch()).toBe(1);
    expect(balance.ext().v1().flags()).toBe(1);
    expect(entry.lastModifiedLedgerSeq).toBe(Number(created.ledger));
    // Claimable balances are always sponsored: by their creator (LedgerEntryExtensionV1).
    const raw = (await server._getLedgerEntries(key)).entries![0]!;
    const ext = xdr.LedgerEntryExt.fromXDR((raw as { extXdr?: string }).extXdr as string, 'base64');
    expect(StrKey.encodeEd25519PublicKey(ext.v1().sponsoringId()!.ed25519())).toBe(issuer.publicKey());

    const clawed = await submit(issuer, [Operation.clawbackClaimableBalance({ balanceId: id })]);
    expect(await opEvents(clawed.hash)).toEqual([
      { contract: sac(usd), topic: ['clawback', balanceAddress(id), sep11(usd)], value: 30_000_000n },
    ]);
    expect((await server.getLedgerEntries(key)).entries).toHaveLength(0);
  });
});
