// Conformance: muxed accounts (CAP-27 / SEP-23). M… addresses as transaction source, operation
// source, destination and fee-bump fee source, applied to the underlying G account, and every
// `*_muxed` / `*_muxed_id` field Horizon renders for them. Each row names the real source it was
// checked against (stellar/stellar-horizon v28.0.0 unless said otherwise).
import { Asset, Keypair, MuxedAccount, Operation, TransactionBuilder } from '@stellar/stellar-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { funded, mux, startNet, type Ctx } from '../helpers.js';

const OPS = 'internal/ingest/processors/operations_processor.go (addAccountAndMuxedAccountDetails)';
const EFFECTS = 'internal/ingest/processors/effects_processor.go (addMuxed / addUnmuxed)';
const TX = 'internal/resourceadapter/transaction.go';
const TAGS = 'go-stellar-sdk protocols/horizon: `json:"…_muxed_id,omitempty,string"`';

type Json = Record<string, unknown>;

let ctx: Ctx;
let alice: Keypair;
let bob: Keypair;
let dave: Keypair;
const carol = Keypair.random();
const issuer = Keypair.random();

let tx: Json;
let ops: Json[];
let effects: Json[];
let mergeOp: Json;
let mergeEffects: Json[];
let feeBump: Json;
let bobBefore: string;

async function get(path: string): Promise<Json> {
  const r = await fetch(`${ctx.net.url}${path}`);
  expect(r.status).toBe(200);
  return (await r.json()) as Json;
}
const records = (page: Json) => (page._embedded as { records: Json[] }).records;
const balance = async (kp: Keypair) =>
  (await ctx.server.loadAccount(kp.publicKey())).balances.find((b) => b.asset_type === 'native')!.balance;

beforeAll(async () => {
  ctx = await startNet();
  [alice, bob, dave] = await Promise.all([funded(ctx), funded(ctx), funded(ctx)]);
  await ctx.net.fund(issuer.publicKey(), '100');
  bobBefore = await balance(bob);

  // One transaction whose source is alice as M…7, with every operation kind that can name a muxed account.
  const aliceAcct = await ctx.server.loadAccount(alice.publicKey());
  const source = new MuxedAccount(aliceAcct, '7');
  const built = new TransactionBuilder(source, { fee: '1000', networkPassphrase: ctx.net.networkPassphrase })
    .addOperation(Operation.payment({ destination: mux(bob, '42'), asset: Asset.native(), amount: '1' }))
    .addOperation(
      Operation.payment({
        source: mux(alice, '9'),
        destination: bob.publicKey(),
        asset: Asset.native(),
        amount: '2',
      }),
    )
    .addOperation(Operation.createAccount({ destination: carol.publicKey(), startingBalance: '5' }))
    .addOperation(
      Operation.changeTrust({ source: mux(bob, '5'), asset: new Asset('USD', issuer.publicKey()) }),
    )
    .addOperation(
      Operation.pathPaymentStrictSend({
        destination: mux(bob, '13'),
        sendAsset: Asset.native(),
        sendAmount: '3',
        destAsset: Asset.native(),
        destMin: '3',
        path: [],
      }),
    )
    .addOperation(Operation.payment({ destination: mux(bob, '0'), asset: Asset.native(), amount: '4' }))
    .setTimeout(60)
    .build();
  built.sign(alice, bob);
  const res = await ctx.server.submitTransaction(built, { skipMemoRequiredCheck: true });
  tx = await get(`/transactions/${res.hash}`);
  ops = records(await get(`/transactions/${res.hash}/operations?limit=20`));
  effects = records(await get(`/transactions/${res.hash}/effects?limit=50`));

  // dave (source M…3) merges into bob as M…11.
  const daveAcct = await ctx.server.loadAccount(dave.publicKey());
  const merge = new TransactionBuilder(new MuxedAccount(daveAcct, '3'), {
    fee: '100',
    networkPassphrase: ctx.net.networkPassphrase,
  })
    .addOperation(Operation.accountMerge({ destination: mux(bob, '11') }))
    .setTimeout(60)
    .build();
  merge.sign(dave);
  const mergeRes = await ctx.server.submitTransaction(merge, { skipMemoRequiredCheck: true });
  mergeOp = records(await get(`/transactions/${mergeRes.hash}/operations`))[0]!;
  mergeEffects = records(await get(`/transactions/${mergeRes.hash}/effects`));

  // A fee bump paid by carol as M…8 around a plain transaction of alice.
  const inner = new TransactionBuilder(await ctx.server.loadAccount(alice.publicKey()), {
    fee: '100',
    networkPassphrase: ctx.net.networkPassphrase,
  })
    .addOperation(Operation.bumpSequence({ bumpTo: '0' }))
    .setTimeout(60)
    .build();
  inner.sign(alice);
  const fb = TransactionBuilder.buildFeeBumpTransaction(
    mux(carol, '8'),
    '200',
    inner,
    ctx.net.networkPassphrase,
  );
  fb.sign(carol);
  const fbRes = await ctx.server.submitTransaction(fb, { skipMemoRequiredCheck: true });
  feeBump = await get(`/transactions/${fbRes.hash}`);
});

afterAll(async () => {
  await ctx?.net.close();
});

const byType = (list: Json[], type: string, account: string) =>
  list.filter((e) => e.type === type && e.account === account);

describe('muxed accounts', () => {
  const rows: { name: string; source: string; check: () => void }[] = [
    {
      name: 'transaction: source_account is the G account, account_muxed(_id) the M… form',
      source: TX,
      check: () => {
        expect(tx.source_account).toBe(alice.publicKey());
        expect(tx.account_muxed).toBe(mux(alice, '7'));
        expect(tx.account_muxed_id).toBe('7');
      },
    },
    {
      name: 'transaction without fee bump: fee_account(_muxed, _muxed_id) copy the source',
      source: `${TX} (else branch: FeeAccountMuxed = AccountMuxed)`,
      check: () => {
        expect(tx.fee_account).toBe(alice.publicKey());
        expect(tx.fee_account_muxed).toBe(mux(alice, '7'));
        expect(tx.fee_account_muxed_id).toBe('7');
      },
    },
    {
      name: 'fee bump: fee_account_muxed(_id) is the fee source, account_muxed absent for a G inner source',
      source: TX,
      check: () => {
        expect(feeBump.fee_account).toBe(carol.publicKey());
        expect(feeBump.fee_account_muxed).toBe(mux(carol, '8'));
        expect(feeBump.fee_account_muxed_id).toBe('8');
        expect(feeBump.source_account).toBe(alice.publicKey());
        expect(feeBump).not.toHaveProperty('account_muxed');
      },
    },
    {
      name: 'operation without own source: source_account_muxed(_id) is the transaction source',
      source:
        'internal/resourceadapter/operations.go (PopulateBaseOperation); operations_processor.go SourceAccount()',
      check: () => {
        expect(ops[0]!.source_account).toBe(alice.publicKey());
        expect(ops[0]!.source_account_muxed).toBe(mux(alice, '7'));
        expect(ops[0]!.source_account_muxed_id).toBe('7');
      },
    },
    {
      name: 'payment: from/from_muxed(_id) and to/to_muxed(_id)',
      source: OPS,
      check: () => {
        expect(ops[0]).toMatchObject({
          from: alice.publicKey(),
          from_muxed: mux(alice, '7'),
          from_muxed_id: '7',
          to: bob.publicKey(),
          to_muxed: mux(bob, '42'),
          to_muxed_id: '42',
        });
      },
    },
    {
      name: 'payment with a muxed operation source and a G destination: no to_muxed',
      source: OPS,
      check: () => {
        expect(ops[1]).toMatchObject({
          source_account_muxed: mux(alice, '9'),
          source_account_muxed_id: '9',
          from_muxed: mux(alice, '9'),
          from_muxed_id: '9',
          to: bob.publicKey(),
        });
        expect(ops[1]).not.toHaveProperty('to_muxed');
      },
    },
    {
      name: 'create_account: funder_muxed(_id); the new account is never muxed',
      source: OPS,
      check: () => {
        expect(ops[2]).toMatchObject({
          funder: alice.publicKey(),
          funder_muxed: mux(alice, '7'),
          funder_muxed_id: '7',
          account: carol.publicKey(),
        });
      },
    },
    {
      name: 'change_trust: trustor_muxed(_id)',
      source: OPS,
      check: () => {
        expect(ops[3]).toMatchObject({
          trustor: bob.publicKey(),
          trustor_muxed: mux(bob, '5'),
          trustor_muxed_id: '5',
        });
      },
    },
    {
      name: 'path_payment_strict_send: from and to muxed',
      source: OPS,
      check: () => {
        expect(ops[4]).toMatchObject({ from_muxed_id: '7', to_muxed: mux(bob, '13'), to_muxed_id: '13' });
      },
    },
    {
      name: 'muxed id 0: *_muxed present, *_muxed_id omitted (omitempty on a uint64)',
      source: TAGS,
      check: () => {
        expect(ops[5]!.to_muxed).toBe(mux(bob, '0'));
        expect(ops[5]).not.toHaveProperty('to_muxed_id');
      },
    },
    {
      name: 'account_merge: account_muxed(_id) and into_muxed(_id)',
      source: OPS,
      check: () => {
        expect(mergeOp).toMatchObject({
          account: dave.publicKey(),
          account_muxed: mux(dave, '3'),
          account_muxed_id: '3',
          into: bob.publicKey(),
          into_muxed: mux(bob, '11'),
          into_muxed_id: '11',
        });
      },
    },
    {
      name: 'effects: account_credited names the destination as written, account_debited the source',
      source: `${EFFECTS} addPaymentEffects; go-stellar-sdk protocols/horizon/effects Base`,
      check: () => {
        const credited = byType(effects, 'account_credited', bob.publicKey());
        expect(credited.map((e) => e.account_muxed_id)).toEqual(['42', undefined, '13', undefined]);
        expect(credited[3]!.account_muxed).toBe(mux(bob, '0'));
        expect(credited[1]).not.toHaveProperty('account_muxed');
        const debited = byType(effects, 'account_debited', alice.publicKey());
        expect(debited.map((e) => e.account_muxed_id)).toEqual(['7', '9', '7', '7', '7']);
      },
    },
    {
      name: "effects: create_account's account_created / signer_created are unmuxed, its account_debited muxed",
      source: `${EFFECTS} addAccountCreatedEffects`,
      check: () => {
        for (const e of effects.filter((e) => e.account === carol.publicKey())) {
          expect(e).not.toHaveProperty('account_muxed');
        }
      },
    },
    {
      name: 'effects: trustline_created on the muxed operation source carries its muxed form',
      source: `${EFFECTS} addChangeTrustEffects`,
      check: () => {
        const created = byType(effects, 'trustline_created', bob.publicKey());
        expect(created).toHaveLength(1);
        expect(created[0]).toMatchObject({ account_muxed: mux(bob, '5'), account_muxed_id: '5' });
      },
    },
    {
      name: 'effects: account_merge debits/removes the muxed source and credits the muxed destination',
      source: `${EFFECTS} addAccountMergeEffects`,
      check: () => {
        expect(byType(mergeEffects, 'account_credited', bob.publicKey())[0]).toMatchObject({
          account_muxed_id: '11',
        });
        expect(byType(mergeEffects, 'account_debited', dave.publicKey())[0]).toMatchObject({
          account_muxed_id: '3',
        });
        expect(byType(mergeEffects, 'account_removed', dave.publicKey())[0]).toMatchObject({
          account_muxed_id: '3',
        });
      },
    },
  ];
  for (const row of rows) it(`${row.name} — ${row.source}`, () => row.check());

  it('applies every muxed movement to the underlying G account (stellar-core: MuxedAccount → toAccountID)', async () => {
    // bob: +1 +2 +3 +4 from alice, + dave's merged balance.
    const after = Number(await balance(bob));
    expect(after).toBeGreaterThan(Number(bobBefore) + 10);
    const carolNow = await balance(carol);
    expect(Number(carolNow)).toBeLessThan(5); // carol paid the fee bump as M…8
    await expect(ctx.server.loadAccount(dave.publicKey())).rejects.toThrow();
  });
});
