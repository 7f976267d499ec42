// Claimable balances against the real SDK. Each row names the source it checks:
//   core  = stellar-core src/transactions/{Create,Claim,Clawback}ClaimableBalanceOpFrame.cpp
//   hz-op = stellar-horizon internal/ingest/processors/operations_processor.go (operation details)
//   hz-fx = stellar-horizon internal/ingest/processors/effects_processor.go (effects)
//   hz-cb = stellar-horizon internal/resourceadapter/claimable_balances.go,
//           internal/actions/claimable_balance.go (resource, filters, invalid_field)
//   go-pj = stellar/go xdr/json.go (claim predicate JSON)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Asset,
  AuthClawbackEnabledFlag,
  AuthRevocableFlag,
  Claimant,
  Keypair,
  Operation,
  StrKey,
  xdr,
  type Horizon,
} from '@stellar/stellar-sdk';
import { buildTx, funded, startNet, submitExpectingFailure, type Ctx } from '../helpers.js';

let ctx: Ctx;
beforeAll(async () => {
  ctx = await startNet();
});
afterAll(async () => {
  await ctx.net.close();
});

async function getJson(path: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const r = await fetch(`${ctx.net.url}${path}`);
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
}

async function create(from: Keypair, asset: Asset, amount: string, claimants: Claimant[]) {
  const tx = await buildTx(ctx, from, [Operation.createClaimableBalance({ asset, amount, claimants })]);
  const res = await ctx.server.submitTransaction(tx);
  return { id: tx.getClaimableBalanceId(0), res };
}

const claim = async (who: Keypair, balanceId: string) =>
  buildTx(ctx, who, [Operation.claimClaimableBalance({ balanceId })]);

describe('create_claimable_balance', () => {
  it('stores every predicate kind, rewrites rel_before to abs_before, and sponsors one reserve per claimant (core, go-pj, hz-cb)', async () => {
    const [alice, bob, carol] = [await funded(ctx), await funded(ctx), await funded(ctx)];
    const P = Claimant;
    const predicate = P.predicateAnd(
      P.predicateOr(P.predicateBeforeRelativeTime('3600'), P.predicateBeforeAbsoluteTime('4102444800')),
      P.predicateNot(P.predicateBeforeAbsoluteTime('1')),
    );
    const { id, res } = await create(alice, Asset.native(), '12.5', [
      new Claimant(bob.publicKey(), P.predicateUnconditional()),
      new Claimant(carol.publicKey(), predicate),
    ]);
    // The id is sha256(HashIDPreimage OP_ID(tx source, seq, op index)), as the SDK computes it.
    expect(id).toMatch(/^00000000[0-9a-f]{64}$/);
    const result = xdr.TransactionResult.fromXDR(res.result_xdr, 'base64');
    const opRes = result.result().results()[0]!.tr().createClaimableBalanceResult();
    expect(opRes.balanceId().toXDR('hex')).toBe(id);

    const closedAt =
      Date.parse(
        ((await ctx.server.ledgers().ledger(res.ledger).call()) as unknown as { closed_at: string })
          .closed_at,
      ) / 1000;
    const page = await ctx.server.claimableBalances().claimant(carol.publicKey()).call();
    expect(page.records.map((r) => r.id)).toEqual([id]);
    const rec = page.records[0]!;
    expect(rec).toMatchObject({
      asset: 'native',
      amount: '12.5000000',
      sponsor: alice.publicKey(),
      last_modified_ledger: res.ledger,
      flags: { clawback_enabled: false },
      paging_token: `${res.ledger}-${id}`,
    });
    expect(rec.claimants).toEqual([
      { destination: bob.publicKey(), predicate: { unconditional: true } },
      {
        destination: carol.publicKey(),
        predicate: {
          and: [
            {
              or: [
                {
                  abs_before: new Date((closedAt + 3600) * 1000).toISOString().replace('.000Z', 'Z'),
                  abs_before_epoch: String(closedAt + 3600),
                },
                { abs_before: '2100-01-01T00:00:00Z', abs_before_epoch: '4102444800' },
              ],
            },
            { not: { abs_before: '1970-01-01T00:00:01Z', abs_before_epoch: '1' } },
          ],
        },
      },
    ]);
    // The B… strkey spelling names the same balance (hz-cb accepts both).
    const byId = await ctx.server.claimableBalances().claimableBalance(id).call();
    expect(byId.id).toBe(id);
    const strkey = StrKey.encodeClaimableBalance(Buffer.from(id.slice(6), 'hex'));
    expect((await getJson(`/claimable_balances/${strkey}`)).body.id).toBe(id);

    // Two claimants → two reserves sponsored by the creator.
    const acct = await ctx.server.loadAccount(alice.publicKey());
    expect(acct.num_sponsoring).toBe(2);

    // Operation details keep rel_before as submitted (hz-op); effects likewise (hz-fx).
    const ops = await ctx.server.operations().forTransaction(res.hash).call();
    const op = ops.records[0] as unknown as Record<string, unknown>;
    expect(op).toMatchObject({ type: 'create_claimable_balance', asset: 'native', amount: '12.5000000' });
    expect((op.claimants as { predicate: unknown }[])[1]!.predicate).toMatchObject({
      and: [{ or: [{ rel_before: '3600' }, { abs_before_epoch: '4102444800' }] }, {}],
    });
    const fx = (
      await ctx.server
        .effects()
        .forOperation(op.id as string)
        .call()
    ).records;
    expect(fx.map((e) => [e.type, e.account])).toEqual([
      ['claimable_balance_created', alice.publicKey()],
      ['claimable_balance_claimant_created', bob.publicKey()],
      ['claimable_balance_claimant_created', carol.publicKey()],
      ['account_debited', alice.publicKey()],
      ['claimable_balance_sponsorship_created', alice.publicKey()],
    ]);
    expect(fx[0]).toMatchObject({ balance_id: id, amount: '12.5000000', asset: 'native', type_i: 50 });
    expect(fx[4]).toMatchObject({ balance_id: id, sponsor: alice.publicKey(), type_i: 69 });
  });

  it('rejects malformed claimant sets and predicates (core doCheckValid)', async () => {
    const [alice, bob] = [await funded(ctx), await funded(ctx)];
    const P = Claimant;
    const u = P.predicateUnconditional();
    const deep = P.predicateNot(P.predicateNot(P.predicateNot(P.predicateNot(u)))); // depth 5
    const opFor = (claimants: Claimant[]) =>
      Operation.createClaimableBalance({ asset: Asset.native(), amount: '1', claimants });
    for (const claimants of [
      [new Claimant(bob.publicKey(), u), new Claimant(bob.publicKey(), u)],
      [new Claimant(bob.publicKey(), deep)],
      [new Claimant(bob.publicKey(), xdr.ClaimPredicate.claimPredicateAnd([u]))],
      [new Claimant(bob.publicKey(), P.predicateBeforeRelativeTime('-1'))],
    ]) {
      const f = await submitExpectingFailure(ctx, await buildTx(ctx, alice, [opFor(claimants)]));
      expect(f.codes?.operations).toEqual(['op_malformed']);
    }
  });

  it('fails with op_underfunded, op_low_reserve and op_no_trust (core doApply)', async () => {
    const [poor, bob, issuer] = [await funded(ctx, '3'), await funded(ctx), await funded(ctx)];
    const one = [new Claimant(bob.publicKey(), Claimant.predicateUnconditional())];
    const send = async (amount: string, asset = Asset.native()) =>
      (
        await submitExpectingFailure(
          ctx,
          await buildTx(ctx, poor, [Operation.createClaimableBalance({ asset, amount, claimants: one })]),
        )
      ).codes?.operations;
    expect(await send('2.5')).toEqual(['op_underfunded']); // 3 XLM − 1 XLM reserve − fee
    expect(await send('1.9')).toEqual(['op_low_reserve']); // leaves < 0.5 XLM for the sponsored reserve
    expect(await send('1', new Asset('USD', issuer.publicKey()))).toEqual(['op_no_trust']);
  });
});

describe('claim_claimable_balance', () => {
  it('pays the claimant, removes the balance and releases the reserve (core, hz-op, hz-fx)', async () => {
    const [alice, bob] = [await funded(ctx), await funded(ctx)];
    const { id } = await create(alice, Asset.native(), '7', [
      new Claimant(bob.publicKey(), Claimant.predicateUnconditional()),
    ]);
    const before = await ctx.server.loadAccount(bob.publicKey());
    const res = await ctx.server.submitTransaction(await claim(bob, id));
    const after = await ctx.server.loadAccount(bob.publicKey());
    const native = (a: Horizon.AccountResponse) =>
      Number(a.balances.find((b) => b.asset_type === 'native')!.balance);
    expect(native(after) - native(before)).toBeCloseTo(7 - 0.00001, 7);
    expect((await ctx.server.loadAccount(alice.publicKey())).num_sponsoring).toBe(0);
    expect((await getJson(`/claimable_balances/${id}`)).status).toBe(404);
    expect((await ctx.server.claimableBalances().claimant(bob.publicKey()).call()).records).toEqual([]);

    const op = (await ctx.server.operations().forTransaction(res.hash).call())
      .records[0] as unknown as Record<string, unknown>;
    expect(op).toMatchObject({ type: 'claim_claimable_balance', balance_id: id, claimant: bob.publicKey() });
    const fx = (
      await ctx.server
        .effects()
        .forOperation(op.id as string)
        .call()
    ).records;
    expect(fx.map((e) => e.type)).toEqual([
      'claimable_balance_claimed',
      'account_credited',
      'claimable_balance_sponsorship_removed',
    ]);
    expect(fx[0]).toMatchObject({
      account: bob.publicKey(),
      balance_id: id,
      amount: '7.0000000',
      asset: 'native',
    });
    expect(fx[2]).toMatchObject({ balance_id: id, former_sponsor: alice.publicKey() });
  });

  it('evaluates predicates at close time; non-claimants and unknown ids fail (core)', async () => {
    const [alice, bob, carol] = [await funded(ctx), await funded(ctx), await funded(ctx)];
    const { id } = await create(alice, Asset.native(), '1', [
      new Claimant(bob.publicKey(), Claimant.predicateBeforeAbsoluteTime('1000')),
      new Claimant(carol.publicKey(), Claimant.predicateNot(Claimant.predicateBeforeAbsoluteTime('1000'))),
    ]);
    const code = async (who: Keypair, balance: string) =>
      (await submitExpectingFailure(ctx, await claim(who, balance))).codes?.operations;
    expect(await code(bob, id)).toEqual(['op_cannot_claim']); // abs_before in the past
    expect(await code(alice, id)).toEqual(['op_cannot_claim']); // not a claimant
    expect(await code(bob, `00000000${'ab'.repeat(32)}`)).toEqual(['op_does_not_exist']);
    // The sponsor cannot merge while it sponsors the balance.
    const merge = await buildTx(ctx, alice, [Operation.accountMerge({ destination: bob.publicKey() })]);
    expect((await submitExpectingFailure(ctx, merge)).codes?.operations).toEqual(['op_is_sponsor']);
    await ctx.server.submitTransaction(await claim(carol, id)); // not(before 1000) holds now
  });

  it('needs an authorized trustline for a credit asset; clawback needs the clawback flag (core)', async () => {
    const [issuer, alice, bob] = [await funded(ctx), await funded(ctx), await funded(ctx)];
    await ctx.server.submitTransaction(
      await buildTx(ctx, issuer, [
        Operation.setOptions({ setFlags: (AuthRevocableFlag | AuthClawbackEnabledFlag) as never }),
      ]),
    );
    const usd = new Asset('USD', issuer.publicKey());
    const { id } = await create(issuer, usd, '5', [
      new Claimant(bob.publicKey(), Claimant.predicateUnconditional()),
    ]);
    expect((await submitExpectingFailure(ctx, await claim(bob, id))).codes?.operations).toEqual([
      'op_no_trust',
    ]);
    expect(
      ((await ctx.server.claimableBalances().claimableBalance(id).call()) as unknown as { flags: unknown })
        .flags,
    ).toEqual({
      clawback_enabled: true,
    });
    expect((await ctx.server.claimableBalances().asset(usd).call()).records.map((r) => r.id)).toEqual([id]);
    expect((await ctx.server.claimableBalances().sponsor(issuer.publicKey()).call()).records.length).toBe(1);

    const notIssuer = await buildTx(ctx, alice, [Operation.clawbackClaimableBalance({ balanceId: id })]);
    // Horizon prints ClawbackClaimableBalanceNotIssuer as op_no_issuer (stellar-horizon
    // internal/codes/main.go), not the XDR name.
    expect((await submitExpectingFailure(ctx, notIssuer)).codes?.operations).toEqual(['op_no_issuer']);
    const res = await ctx.server.submitTransaction(
      await buildTx(ctx, issuer, [Operation.clawbackClaimableBalance({ balanceId: id })]),
    );
    const op = (await ctx.server.operations().forTransaction(res.hash).call()).records[0]!;
    const fx = (await ctx.server.effects().forOperation(op.id).call()).records;
    expect(fx.map((e) => e.type)).toEqual([
      'claimable_balance_clawed_back',
      'account_credited',
      'claimable_balance_sponsorship_removed',
    ]);
    expect((await getJson(`/claimable_balances/${id}`)).status).toBe(404);
  });
});

describe('snapshot', () => {
  it('keeps claimable balances (with their predicates and sponsorship) across a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'localnet-cb-'));
    const file = join(dir, 'state.json');
    try {
      const first = await startNet({ snapshotFile: file });
      const [alice, bob] = [await funded(first), await funded(first)];
      const tx = await buildTx(first, alice, [
        Operation.createClaimableBalance({
          asset: Asset.native(),
          amount: '3',
          claimants: [new Claimant(bob.publicKey(), Claimant.predicateBeforeRelativeTime('86400'))],
        }),
      ]);
      await first.server.submitTransaction(tx);
      const id = tx.getClaimableBalanceId(0);
      const before = await first.server.claimableBalances().claimableBalance(id).call();
      await first.net.close();

      const second = await startNet({ snapshotFile: file });
      try {
        const after = await second.server.claimableBalances().claimableBalance(id).call();
        expect(after.claimants).toEqual(before.claimants);
        expect((await second.server.loadAccount(alice.publicKey())).num_sponsoring).toBe(1);
        await second.server.submitTransaction(
          await buildTx(second, bob, [Operation.claimClaimableBalance({ balanceId: id })]),
        );
      } finally {
        await second.net.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('/claimable_balances input', () => {
  it('answers 400 naming the field for a malformed id, claimant, sponsor, asset or cursor (hz-cb)', async () => {
    for (const [path, field] of [
      ['/claimable_balances/nothex', 'id'],
      [`/claimable_balances/00000000${'zz'.repeat(32)}`, 'id'],
      ['/claimable_balances?claimant=GBAD', 'claimant'],
      ['/claimable_balances?sponsor=GBAD', 'sponsor'],
      ['/claimable_balances?asset=USD', 'asset'],
      ['/claimable_balances?cursor=abc', 'cursor'],
      ['/claimable_balances?limit=201', 'limit'],
    ] as const) {
      const r = await getJson(path);
      expect(r.status, path).toBe(400);
      expect(r.body, path).toMatchObject({ type: 'https://stellar.org/horizon-errors/bad_request' });
      expect((r.body.extras as { invalid_field: string }).invalid_field, path).toBe(field);
    }
  });
});
