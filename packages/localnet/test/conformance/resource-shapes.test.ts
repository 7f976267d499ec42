// Conformance: the shapes of Horizon's resources and pages as localnet renders them. Every row
// names the real source it was checked against (stellar/stellar-horizon v28.0.0 and the
// go-stellar-sdk protocols it renders with), driven through the real SDK against localnet.
import {
  Asset,
  AuthClawbackEnabledFlag,
  AuthRequiredFlag,
  AuthRevocableFlag,
  Keypair,
  Memo,
  Operation,
  TransactionBuilder,
  type AuthFlag,
} from '@stellar/stellar-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTx, funded, startNet, submitExpectingFailure, type Ctx } from '../helpers.js';

const TX = 'stellar-horizon internal/resourceadapter/transaction.go (PopulateTransaction)';
const BOUNDS =
  'stellar-horizon internal/db2/history/transaction_batch_insert_builder.go, transaction_time_bounds.go, transaction_ledger_bounds.go; CHANGELOG v2.17.0';
const EFFECTS = 'stellar-horizon internal/ingest/processors/effects_processor.go';
const EFFECT_STRUCTS =
  'go-stellar-sdk protocols/horizon/effects/main.go (resource structs, read by UnmarshalDetails)';
const PAGE =
  'go-stellar-sdk support/render/hal/page.go (PopulateLinks); stellar-horizon internal/httpx/handler.go buildPage';

type Json = Record<string, unknown>;
let ctx: Ctx;
beforeAll(async () => {
  ctx = await startNet();
});
afterAll(async () => {
  await ctx?.net.close();
});

async function get(path: string, status = 200): Promise<Json> {
  const r = await fetch(path.startsWith('http') ? path : `${ctx.net.url}${path}`);
  expect(r.status, path).toBe(status);
  return (await r.json()) as Json;
}
const records = (page: Json) => (page._embedded as { records: Json[] }).records;
const links = (page: Json) => page._links as Record<string, { href: string }>;
const submit = async (tx: Parameters<Ctx['server']['submitTransaction']>[0]) =>
  ctx.server.submitTransaction(tx, { skipMemoRequiredCheck: true });

describe('transaction resource', () => {
  it(`has no valid_after / valid_before (removed in Horizon 22) and carries preconditions.timebounds as strings — ${TX}; ${BOUNDS}`, async () => {
    const a = await funded(ctx);
    const res = await submit(await buildTx(ctx, a, [Operation.bumpSequence({ bumpTo: '0' })]));
    const tx = await get(`/transactions/${res.hash}`);
    expect(tx).not.toHaveProperty('valid_after');
    expect(tx).not.toHaveProperty('valid_before');
    const maxTime = (await ctx.server.transactions().transaction(res.hash).call()).preconditions?.timebounds
      ?.max_time;
    expect(tx.preconditions).toEqual({ timebounds: { min_time: '0', max_time: maxTime } });
    expect(maxTime).toMatch(/^\d+$/);
  });

  it(`renders every v2 precondition: ledgerbounds, min_account_sequence(_age, _ledger_gap), extra_signers — ${TX}; ${BOUNDS}`, async () => {
    const a = await funded(ctx);
    const extra = Keypair.random();
    const acct = await ctx.server.loadAccount(a.publicKey());
    const current = acct.sequenceNumber(); // build() advances the account object
    const built = new TransactionBuilder(acct, { fee: '100', networkPassphrase: ctx.net.networkPassphrase })
      .addOperation(Operation.bumpSequence({ bumpTo: '0' }))
      .setTimeout(60)
      .setLedgerbounds(1, 0)
      .setMinAccountSequence(current)
      .setMinAccountSequenceAge(1)
      .setMinAccountSequenceLedgerGap(1)
      .setExtraSigners([extra.publicKey()])
      .build();
    built.sign(a, extra);
    const res = await submit(built);
    const p = (await get(`/transactions/${res.hash}`)).preconditions as Json;
    expect(p).toEqual({
      timebounds: { min_time: '0', max_time: expect.stringMatching(/^\d+$/) as unknown },
      ledgerbounds: { min_ledger: 1 }, // max_ledger 0 = no upper bound, left out
      min_account_sequence: current,
      min_account_sequence_age: '1',
      min_account_sequence_ledger_gap: 1,
      extra_signers: [extra.publicKey()],
    });
  });

  it(`leaves out a zero min_account_sequence_age and gap and keeps max_ledger when set — ${TX} (MinAccountSequenceAge != "0")`, async () => {
    const a = await funded(ctx);
    const max = ctx.net.latestLedger() + 100;
    const built = new TransactionBuilder(await ctx.server.loadAccount(a.publicKey()), {
      fee: '100',
      networkPassphrase: ctx.net.networkPassphrase,
    })
      .addOperation(Operation.bumpSequence({ bumpTo: '0' }))
      .setTimeout(60)
      .setLedgerbounds(0, max)
      .build();
    built.sign(a);
    const res = await submit(built);
    const p = (await get(`/transactions/${res.hash}`)).preconditions as Json;
    expect(p.ledgerbounds).toEqual({ min_ledger: 0, max_ledger: max });
    expect(p).not.toHaveProperty('min_account_sequence_age');
    expect(p).not.toHaveProperty('min_account_sequence_ledger_gap');
    // The SDK always writes minSeqNum (0) into v2 preconditions, and Horizon renders any set value.
    expect(p.min_account_sequence).toBe('0');
  });

  it(`GET /transactions/{inner hash} finds a fee bump, rendered under the inner hash with the inner signatures — ${TX} (transactionHash != row.TransactionHash); stellar-horizon internal/db2/history/transaction.go TransactionByHash`, async () => {
    const [a, payer] = [await funded(ctx), await funded(ctx)];
    const inner = await buildTx(ctx, a, [Operation.bumpSequence({ bumpTo: '0' })]);
    const fb = TransactionBuilder.buildFeeBumpTransaction(payer, '200', inner, ctx.net.networkPassphrase);
    fb.sign(payer);
    const res = await submit(fb);
    const innerHash = inner.hash().toString('hex');
    const outer = await get(`/transactions/${res.hash}`);
    const byInner = await get(`/transactions/${innerHash}`);
    const innerSigs = inner.signatures.map((s) => s.signature().toString('base64'));
    expect(byInner).toMatchObject({
      id: innerHash,
      hash: innerHash,
      paging_token: outer.paging_token,
      signatures: innerSigs,
      fee_bump_transaction: { hash: res.hash, signatures: outer.signatures },
      inner_transaction: { hash: innerHash, signatures: innerSigs },
      fee_account: payer.publicKey(),
    });
    expect(links(byInner).self!.href).toBe(`${ctx.net.url}/transactions/${innerHash}`);
    expect(outer.id).toBe(res.hash);
    // The SDK's own lookup by inner hash works too.
    expect((await ctx.server.transactions().transaction(innerHash).call()).hash).toBe(innerHash);
    // Submitting the inner transaction alone now answers from history the same way
    // (stellar-horizon internal/txsub/results.go txResultByHash: hash or inner hash).
    const again = await submit(inner);
    expect(again).toMatchObject({ hash: innerHash, paging_token: outer.paging_token, successful: true });
  });

  it(`strips NUL bytes from a text memo and keeps the raw bytes in memo_bytes — stellar-horizon internal/db2/history/transaction_batch_insert_builder.go (memo); ${TX} (memoBytes)`, async () => {
    const a = await funded(ctx);
    // The SDK takes raw bytes for a text memo (typed as string only).
    const raw = Buffer.from('a\0b\0c', 'utf8');
    const res = await submit(
      await buildTx(ctx, a, [Operation.bumpSequence({ bumpTo: '0' })], {
        memo: Memo.text(raw as unknown as string),
      }),
    );
    const tx = await get(`/transactions/${res.hash}`);
    expect(tx).toMatchObject({ memo_type: 'text', memo: 'abc', memo_bytes: raw.toString('base64') });
  });
});

describe('request validation', () => {
  it(`an uppercase transaction hash is 400 bad_request on tx_id — stellar-horizon internal/actions/validators.go (isTransactionHash)`, async () => {
    const a = await funded(ctx);
    const res = await submit(await buildTx(ctx, a, [Operation.bumpSequence({ bumpTo: '0' })]));
    for (const path of [
      `/transactions/${res.hash.toUpperCase()}`,
      `/transactions/${res.hash.toUpperCase()}/operations`,
    ]) {
      const body = await get(path, 400);
      expect(body.type).toBe('https://stellar.org/horizon-errors/bad_request');
      expect(body.extras).toEqual({
        invalid_field: 'tx_id',
        reason: 'Transaction hash must be a hex-encoded, lowercase SHA-256 hash',
      });
    }
  });

  it(`a submission whose body is not a form is 415 unsupported_media_type — stellar-horizon internal/actions/submit_transaction.go (validateBodyType), internal/render/problem/problem.go`, async () => {
    const a = await funded(ctx);
    const tx = await buildTx(ctx, a, [Operation.bumpSequence({ bumpTo: '0' })]);
    const envelope = tx.toEnvelope().toXDR('base64');
    for (const path of ['/transactions', '/transactions_async']) {
      for (const [type, body] of [
        ['application/json', JSON.stringify({ tx: envelope })],
        ['text/plain', `tx=${encodeURIComponent(envelope)}`],
      ] as const) {
        const r = await fetch(`${ctx.net.url}${path}`, {
          method: 'POST',
          headers: { 'Content-Type': type },
          body,
        });
        expect(r.status, `${path} ${type}`).toBe(415);
        expect(((await r.json()) as Json).type).toBe(
          'https://stellar.org/horizon-errors/unsupported_media_type',
        );
      }
    }
    // Nothing was submitted: the same envelope as a form still applies.
    expect((await submit(tx)).successful).toBe(true);
  });
});

describe('payments and pages', () => {
  let a: Keypair;
  let failedHash: string;
  let failedToken: string;
  beforeAll(async () => {
    a = await funded(ctx);
    await submit(
      await buildTx(ctx, a, [
        Operation.payment({
          destination: (await funded(ctx)).publicKey(),
          asset: Asset.native(),
          amount: '1',
        }),
      ]),
    );
    // A payment to an account that does not exist: included, failed (op_no_destination).
    const failing = await buildTx(ctx, a, [
      Operation.payment({ destination: Keypair.random().publicKey(), asset: Asset.native(), amount: '1' }),
    ]);
    const r = await submitExpectingFailure(ctx, failing);
    expect(r.codes).toEqual({ transaction: 'tx_failed', operations: ['op_no_destination'] });
    failedHash = failing.hash().toString('hex');
    failedToken = (await get(`/transactions/${failedHash}`)).paging_token as string;
  });
  const isFailed = (r: Json) => r.transaction_hash === failedHash;

  it(`include_failed is honoured on /payments, /accounts/{id}/payments and /ledgers/{seq}/payments; a transaction's payments list failed ones always — stellar-horizon internal/actions/operation.go (IncludeFailed, ForTransaction)`, async () => {
    const cursor = (BigInt(failedToken) - 1n).toString();
    const ledger = (await get(`/transactions/${failedHash}`)).ledger as number;
    for (const path of [
      `/payments?cursor=${cursor}`,
      `/accounts/${a.publicKey()}/payments?limit=20`,
      `/ledgers/${ledger}/payments`,
    ]) {
      const sep = path.includes('?') ? '&' : '?';
      expect(records(await get(path)).some(isFailed), path).toBe(false);
      const withFailed = records(await get(`${path}${sep}include_failed=true`));
      expect(withFailed.find(isFailed), path).toMatchObject({
        transaction_successful: false,
        type: 'payment',
      });
    }
    expect(records(await get(`/transactions/${failedHash}/payments`)).some(isFailed)).toBe(true);
  });

  it(`page links keep every query parameter (keys sorted, as url.Values.Encode does) — ${PAGE}`, async () => {
    const page = await get(
      `/accounts/${a.publicKey()}/payments?limit=1&include_failed=true&join=transactions&order=asc`,
    );
    const l = links(page);
    const first = records(page)[0]!.paging_token as string;
    const base = `${ctx.net.url}/accounts/${a.publicKey()}/payments`;
    expect(l.self!.href).toBe(`${base}?cursor=&include_failed=true&join=transactions&limit=1&order=asc`);
    expect(l.next!.href).toBe(
      `${base}?cursor=${first}&include_failed=true&join=transactions&limit=1&order=asc`,
    );
    expect(l.prev!.href).toBe(
      `${base}?cursor=${first}&include_failed=true&join=transactions&limit=1&order=desc`,
    );
  });

  it(`an empty page's next equals its self, and prev reverses from the same cursor — ${PAGE}`, async () => {
    const page = await get(`/accounts/${a.publicKey()}/payments?cursor=now&include_failed=true`);
    expect(records(page)).toEqual([]);
    const l = links(page);
    expect(l.next!.href).toBe(l.self!.href);
    expect(l.self!.href).toMatch(/\?cursor=\d+&include_failed=true&limit=10&order=asc$/);
    expect(l.prev!.href).toBe(l.self!.href.replace('order=asc', 'order=desc'));
  });
});

describe('effects of allow_trust, set_trust_line_flags and set_options', () => {
  let issuer: Keypair;
  let holder: Keypair;
  beforeAll(async () => {
    [issuer, holder] = [await funded(ctx), await funded(ctx)];
    await submit(
      await buildTx(ctx, issuer, [
        Operation.setOptions({
          setFlags: (AuthRequiredFlag | AuthRevocableFlag | AuthClawbackEnabledFlag) as unknown as AuthFlag,
        }),
      ]),
    );
    await submit(
      await buildTx(ctx, holder, [Operation.changeTrust({ asset: new Asset('EUR', issuer.publicKey()) })]),
    );
  });
  const effectsOf = async (ops: Parameters<typeof buildTx>[2], source = issuer) => {
    const res = await submit(await buildTx(ctx, source, ops));
    return records(await get(`/transactions/${res.hash}/effects`)).map((e) => {
      const { _links, id, paging_token, created_at, ...rest } = e;
      expect([_links, id, paging_token, created_at].every((v) => v !== undefined)).toBe(true);
      return rest;
    });
  };
  const asset = () => ({
    asset_type: 'credit_alphanum4',
    asset_code: 'EUR',
    asset_issuer: issuer.publicKey(),
  });
  const allow = (authorize: 0 | 1 | 2) =>
    Operation.allowTrust({ trustor: holder.publicKey(), assetCode: 'EUR', authorize });

  it(`allow_trust: the legacy trustline_(de)authorized effect (no asset_issuer), then trustline_flags_updated with what it set or cleared — ${EFFECTS} (addAllowTrustEffects, addTrustLineFlagsEffect); ${EFFECT_STRUCTS}`, async () => {
    const legacy = {
      account: issuer.publicKey(),
      trustor: holder.publicKey(),
      asset_type: 'credit_alphanum4',
      asset_code: 'EUR',
    };
    const flags = {
      account: issuer.publicKey(),
      type: 'trustline_flags_updated',
      type_i: 26,
      ...asset(),
      trustor: holder.publicKey(),
    };
    expect(await effectsOf([allow(1)])).toEqual([
      { ...legacy, type: 'trustline_authorized', type_i: 23 },
      { ...flags, authorized_flag: true },
    ]);
    // The maintain-liabilities flag is stored as `authorized_to_maintain_liabilites` but read as
    // `…_flag`, so Horizon's resource never shows it.
    expect(await effectsOf([allow(2)])).toEqual([
      { ...legacy, type: 'trustline_authorized_to_maintain_liabilities', type_i: 25 },
      flags,
    ]);
    expect(await effectsOf([allow(0)])).toEqual([
      { ...legacy, type: 'trustline_deauthorized', type_i: 24 },
      { ...flags, authorized_flag: false },
    ]);
  });

  it(`set_trust_line_flags: one trustline_flags_updated naming only the flags it set or cleared — ${EFFECTS} (addSetTrustLineFlagsEffects); ${EFFECT_STRUCTS}`, async () => {
    const effects = await effectsOf([
      Operation.setTrustLineFlags({
        trustor: holder.publicKey(),
        asset: new Asset('EUR', issuer.publicKey()),
        flags: { authorized: true, clawbackEnabled: false },
      }),
    ]);
    expect(effects).toEqual([
      {
        account: issuer.publicKey(),
        type: 'trustline_flags_updated',
        type_i: 26,
        ...asset(),
        trustor: holder.publicKey(),
        authorized_flag: true,
        clawback_enabled_flag: false,
      },
    ]);
  });

  it(`set_options: home domain, thresholds named by the operation (others 0), flags, then signers updated/created in key order — ${EFFECTS} (addSetOptionsEffects); ${EFFECT_STRUCTS}`, async () => {
    const a = await funded(ctx);
    const signer = Keypair.random().publicKey();
    const effects = await effectsOf(
      [
        Operation.setOptions({
          homeDomain: 'example.com',
          lowThreshold: 1,
          setFlags: (AuthRequiredFlag | AuthRevocableFlag) as unknown as AuthFlag,
          masterWeight: 2,
          signer: { ed25519PublicKey: signer, weight: 1 },
        }),
      ],
      a,
    );
    const acct = { account: a.publicKey() };
    expect(effects).toEqual([
      { ...acct, type: 'account_home_domain_updated', type_i: 5, home_domain: 'example.com' },
      {
        ...acct,
        type: 'account_thresholds_updated',
        type_i: 4,
        low_threshold: 1,
        med_threshold: 0,
        high_threshold: 0,
      },
      // auth_revocable_flag is written under a name the resource does not read.
      { ...acct, type: 'account_flags_updated', type_i: 6, auth_required_flag: true },
      { ...acct, type: 'signer_updated', type_i: 12, weight: 2, public_key: a.publicKey(), key: '' },
      { ...acct, type: 'signer_created', type_i: 10, weight: 1, public_key: signer, key: '' },
    ]);
  });
});

describe('root document', () => {
  it(`links every endpoint Horizon's root lists, with its URI templates — stellar-horizon internal/resourceadapter/root.go (PopulateRoot), internal/actions/root.go`, async () => {
    const root = await get('/');
    const l = root._links as Record<string, { href: string; templated?: boolean }>;
    expect(Object.keys(l).sort()).toEqual(
      [
        'account',
        'accounts',
        'account_transactions',
        'claimable_balances',
        'assets',
        'effects',
        'fee_stats',
        'friendbot',
        'ledger',
        'ledgers',
        'liquidity_pools',
        'offer',
        'offers',
        'operation',
        'operations',
        'order_book',
        'payments',
        'self',
        'strict_receive_paths',
        'strict_send_paths',
        'trade_aggregations',
        'trades',
        'transaction',
        'transactions',
      ].sort(),
    );
    const u = ctx.net.url;
    expect(l.self).toEqual({ href: `${u}/` });
    expect(l.fee_stats).toEqual({ href: `${u}/fee_stats` });
    expect(l.claimable_balances).toEqual({
      href: `${u}/claimable_balances{?asset,sponsor,claimant,cursor,limit,order}`,
      templated: true,
    });
    expect(l.offers!.href).toBe(`${u}/offers{?selling,buying,seller,sponsor,cursor,limit,order}`);
    expect(l.strict_send_paths!.href).toBe(
      `${u}/paths/strict-send{?destination_account,destination_assets,source_asset_type,source_asset_issuer,source_asset_code,source_amount}`,
    );
    expect(l.payments!.href).toBe(`${u}/payments{?cursor,limit,order,include_failed}`);
  });
});
