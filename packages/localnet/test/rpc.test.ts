// Stellar RPC served by localnet, driven through the real SDK's rpc.Server: the ledger methods,
// submission and lookup of transactions sent through either API, CAP-67 events (transfer, mint,
// burn, set_authorized, fee, muxed ids and memos) and ledger entries from the live state.
import {
  Asset,
  Keypair,
  Memo,
  MuxedAccount,
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

beforeAll(async () => {
  ctx = await startNet();
  server = new rpc.Server(ctx.net.rpcUrl, { allowHttp: true });
});
afterAll(() => ctx.net.close());

async function confirmed(
  hash: string,
): Promise<rpc.Api.GetSuccessfulTransactionResponse | rpc.Api.GetFailedTransactionResponse> {
  for (;;) {
    const r = await server.getTransaction(hash);
    if (r.status !== rpc.Api.GetTransactionStatus.NOT_FOUND) return r;
    await ctx.net.nextLedger();
  }
}

/** Events of one transaction, as getEvents returns them (all types, from its ledger). */
async function eventsOf(hash: string, ledger: number): Promise<rpc.Api.EventResponse[]> {
  const r = await server.getEvents({ startLedger: ledger, endLedger: ledger + 1, filters: [] });
  return r.events.filter((e) => e.txHash === hash);
}

function decoded(e: rpc.Api.EventResponse) {
  return {
    contract: e.contractId?.contractId(),
    topic: e.topic.map((t) => scValToNative(t)),
    value: scValToNative(e.value),
  };
}

const native = () => Asset.native().contractId(ctx.net.networkPassphrase);

describe('ledger methods', () => {
  it('answers getHealth, getNetwork, getVersionInfo, getLatestLedger and getFeeStats like RPC 23', async () => {
    const health = await server.getHealth();
    expect(health.status).toBe('healthy');
    expect(health.ledgerRetentionWindow).toBe(17280);
    expect(health.oldestLedger).toBe(1);
    const network = await server.getNetwork();
    expect(network.passphrase).toBe(ctx.net.networkPassphrase);
    expect(network.protocolVersion).toBe(23);
    expect(network.friendbotUrl).toBe(`${ctx.net.url}/friendbot`);
    const version = await server.getVersionInfo();
    expect(version.protocolVersion).toBe(23);
    const latest = await server.getLatestLedger();
    expect(latest.sequence).toBeGreaterThanOrEqual(1);
    expect(latest.headerXdr.ledgerSeq()).toBe(latest.sequence);
    expect(latest.metadataXdr.switch()).toBe(2);
    const horizonLedger = await ctx.server.ledgers().ledger(latest.sequence).call();
    expect(latest.id).toBe((horizonLedger as unknown as { hash: string }).hash);
    const fees = await server.getFeeStats();
    expect(fees.inclusionFee.max).toMatch(/^\d+$/);
    expect(fees.latestLedger).toBeGreaterThanOrEqual(latest.sequence);
  });

  it('pages getLedgers with its cursor', async () => {
    await ctx.net.waitForLedger(4);
    const first = await server.getLedgers({ startLedger: 1, pagination: { limit: 2 } });
    expect(first.ledgers.map((l) => l.sequence)).toEqual([1, 2]);
    expect(first.cursor).toBe('2');
    expect(first.ledgers[1]!.headerXdr.header().ledgerSeq()).toBe(2);
    const next = await server.getLedgers({ pagination: { cursor: first.cursor, limit: 2 } });
    expect(next.ledgers.map((l) => l.sequence)).toEqual([3, 4]);
  });
});

describe('transactions', () => {
  it('sends through RPC, is seen by Horizon, and getTransaction carries envelope, result, meta and events', async () => {
    const alice = await funded(ctx);
    const bob = await funded(ctx);
    const tx = await buildTx(
      ctx,
      alice,
      [Operation.payment({ destination: bob.publicKey(), asset: Asset.native(), amount: '12.5' })],
      {
        memo: Memo.id('4242'),
      },
    );
    const sent = await server.sendTransaction(tx);
    expect(sent.status).toBe('PENDING');
    expect(sent.hash).toBe(tx.hash().toString('hex'));
    const got = await confirmed(sent.hash);
    expect(got.status).toBe('SUCCESS');
    expect(got.applicationOrder).toBeGreaterThanOrEqual(1);
    expect(got.envelopeXdr.v1().tx().memo().id().toString()).toBe('4242');
    expect(got.resultXdr.result().switch().name).toBe('txSuccess');
    expect(got.resultMetaXdr.switch()).toBe(4);
    expect(Number(got.createdAt)).toBeGreaterThan(0);
    const h = await ctx.server.transactions().transaction(sent.hash).call();
    expect(h.ledger_attr).toBe(got.ledger);

    // The same events in getTransaction and getEvents: fee, then the transfer with the memo as to_muxed_id.
    const opEvents = got.events.contractEventsXdr[0]!;
    expect(opEvents).toHaveLength(1);
    const events = await eventsOf(sent.hash, got.ledger);
    expect(events.map(decoded)).toEqual([
      { contract: native(), topic: ['fee', alice.publicKey()], value: 100n },
      {
        contract: native(),
        topic: ['transfer', alice.publicKey(), bob.publicKey(), 'native'],
        value: { amount: 125_000_000n, to_muxed_id: 4242n },
      },
    ]);
    expect(events[0]!.transactionIndex).toBe(0);
    expect(events[1]!.transactionIndex).toBe(got.applicationOrder);
    expect(events[1]!.operationIndex).toBe(0);
    expect(events.every((e) => e.inSuccessfulContractCall)).toBe(true);
  });

  it('emits mint, burn and set_authorized for an issued asset, and to_muxed_id for a muxed destination', async () => {
    const issuer = await funded(ctx);
    const holder = await funded(ctx);
    const usd = new Asset('USD', issuer.publicKey());
    await ctx.server.submitTransaction(
      await buildTx(ctx, issuer, [Operation.setOptions({ setFlags: 3 as never })]),
    );
    await ctx.server.submitTransaction(await buildTx(ctx, holder, [Operation.changeTrust({ asset: usd })]));
    const auth = await ctx.server.submitTransaction(
      await buildTx(ctx, issuer, [
        Operation.setTrustLineFlags({ trustor: holder.publicKey(), asset: usd, flags: { authorized: true } }),
      ]),
    );
    const muxed = new MuxedAccount(await ctx.server.loadAccount(holder.publicKey()), '77').accountId();
    const mint = await ctx.server.submitTransaction(
      await buildTx(ctx, issuer, [Operation.payment({ destination: muxed, asset: usd, amount: '30' })]),
    );
    const burn = await ctx.server.submitTransaction(
      await buildTx(ctx, holder, [
        Operation.payment({ destination: issuer.publicKey(), asset: usd, amount: '5' }),
      ]),
    );
    const usdId = usd.contractId(ctx.net.networkPassphrase);
    const opEvents = async (hash: string, ledger: number) =>
      (await eventsOf(hash, ledger)).filter((e) => e.transactionIndex !== 0).map(decoded);
    expect(await opEvents(auth.hash, auth.ledger)).toEqual([
      {
        contract: usdId,
        topic: ['set_authorized', holder.publicKey(), `USD:${issuer.publicKey()}`],
        value: true,
      },
    ]);
    expect(await opEvents(mint.hash, mint.ledger)).toEqual([
      {
        contract: usdId,
        topic: ['mint', holder.publicKey(), `USD:${issuer.publicKey()}`],
        value: { amount: 300_000_000n, to_muxed_id: 77n },
      },
    ]);
    expect(await opEvents(burn.hash, burn.ledger)).toEqual([
      {
        contract: usdId,
        topic: ['burn', holder.publicKey(), `USD:${issuer.publicKey()}`],
        value: 50_000_000n,
      },
    ]);

    // Filters as RPC applies them: contract id plus a topic with a wildcard and a trailing **.
    const sym = xdr.ScVal.scvSymbol('mint').toXDR('base64');
    const filtered = await server.getEvents({
      startLedger: auth.ledger,
      filters: [{ type: 'contract', contractIds: [usdId], topics: [[sym, '**']] }],
    });
    expect(filtered.events.map((e) => e.txHash)).toEqual([mint.hash]);

    const entries = await server.getLedgerEntries(
      xdr.LedgerKey.trustline(
        new xdr.LedgerKeyTrustLine({
          accountId: Keypair.fromPublicKey(holder.publicKey()).xdrAccountId(),
          asset: usd.toTrustLineXDRObject(),
        }),
      ),
    );
    expect(entries.entries).toHaveLength(1);
    expect(entries.entries[0]!.val.trustLine().balance().toString()).toBe('250000000');
    expect(entries.entries[0]!.val.trustLine().flags()).toBe(1);
  });

  it('emits transfers for create_account, path payments and account_merge (the merged balance)', async () => {
    const alice = await funded(ctx, '50');
    const bob = await funded(ctx);
    const carol = Keypair.random().publicKey();
    const tx = await buildTx(ctx, alice, [
      Operation.createAccount({ destination: carol, startingBalance: '3' }),
      Operation.pathPaymentStrictSend({
        sendAsset: Asset.native(),
        sendAmount: '2',
        destination: bob.publicKey(),
        destAsset: Asset.native(),
        destMin: '2',
        path: [],
      }),
      Operation.accountMerge({ destination: bob.publicKey() }),
    ]);
    const sent = await server.sendTransaction(tx);
    const got = await confirmed(sent.hash);
    expect(got.status).toBe('SUCCESS');
    const merged = 50_0000000n - 300n - 3_0000000n - 2_0000000n; // fee: 100 per operation
    expect(
      (await eventsOf(sent.hash, got.ledger))
        .filter((e) => e.transactionIndex !== 0)
        .map((e) => [e.operationIndex, decoded(e)]),
    ).toEqual([
      [0, { contract: native(), topic: ['transfer', alice.publicKey(), carol, 'native'], value: 3_0000000n }],
      [
        1,
        {
          contract: native(),
          topic: ['transfer', alice.publicKey(), bob.publicKey(), 'native'],
          value: 2_0000000n,
        },
      ],
      [
        2,
        {
          contract: native(),
          topic: ['transfer', alice.publicKey(), bob.publicKey(), 'native'],
          value: merged,
        },
      ],
    ]);
  });

  it('pages getEvents with its cursor: one event per page yields every event once, in order', async () => {
    const from = Math.max(1, (await server.getLatestLedger()).sequence - 20);
    const all = await server.getEvents({ startLedger: from, filters: [], limit: 10000 });
    expect(all.events.length).toBeGreaterThan(3);
    const ids: string[] = [];
    let page = await server.getEvents({ startLedger: from, filters: [], limit: 1 });
    while (page.events.length) {
      ids.push(...page.events.map((e) => e.id));
      if (ids.length >= all.events.length) break;
      page = await server.getEvents({ cursor: page.cursor, filters: [], limit: 1 });
    }
    expect(ids).toEqual(all.events.map((e) => e.id));
    expect([...ids].sort()).toEqual(ids);
  });

  it('serves account and data entries from the live state and omits keys it does not hold', async () => {
    const alice = await funded(ctx, '20');
    const signer = Keypair.random();
    await ctx.server.submitTransaction(
      await buildTx(ctx, alice, [
        Operation.manageData({ name: 'kyc', value: 'done' }),
        Operation.setOptions({
          signer: { ed25519PublicKey: signer.publicKey(), weight: 1 },
          homeDomain: 'bank.test',
        }),
      ]),
    );
    const id = Keypair.fromPublicKey(alice.publicKey()).xdrAccountId();
    const accountKey = xdr.LedgerKey.account(new xdr.LedgerKeyAccount({ accountId: id }));
    const dataKey = xdr.LedgerKey.data(new xdr.LedgerKeyData({ accountId: id, dataName: 'kyc' }));
    const missing = xdr.LedgerKey.account(
      new xdr.LedgerKeyAccount({ accountId: Keypair.random().xdrAccountId() }),
    );
    const r = await server.getLedgerEntries(missing, dataKey, accountKey);
    expect(r.entries.map((e) => e.key.switch().name)).toEqual(['data', 'account']);
    expect(r.entries[0]!.val.data().dataValue().toString()).toBe('done');
    const account = r.entries[1]!.val.account();
    const horizon = await ctx.server.loadAccount(alice.publicKey());
    expect(account.balance().toString()).toBe(
      BigInt(Math.round(Number(horizon.balances[0]!.balance) * 1e7)).toString(),
    );
    expect(account.seqNum().toString()).toBe(horizon.sequenceNumber());
    expect(account.numSubEntries()).toBe(2);
    expect(account.homeDomain().toString()).toBe('bank.test');
    expect(account.signers().map((x) => x.weight())).toEqual([1]);
    expect(r.entries[1]!.lastModifiedLedgerSeq).toBe(horizon.last_modified_ledger);
  });

  it('reports a failed transaction as FAILED with only its fee event', async () => {
    const alice = await funded(ctx);
    const nobody = Keypair.random().publicKey();
    const tx = await buildTx(ctx, alice, [
      Operation.payment({ destination: nobody, asset: Asset.native(), amount: '1' }),
    ]);
    const sent = await server.sendTransaction(tx);
    expect(sent.status).toBe('PENDING');
    const got = await confirmed(sent.hash);
    expect(got.status).toBe('FAILED');
    expect(got.resultXdr.result().switch().name).toBe('txFailed');
    expect((await eventsOf(sent.hash, got.ledger)).map(decoded)).toEqual([
      { contract: native(), topic: ['fee', alice.publicKey()], value: 100n },
    ]);
  });

  it('pages getTransactions with its TOID cursor', async () => {
    const alice = await funded(ctx);
    const latest = (await server.getLatestLedger()).sequence;
    const page = await server.getTransactions({ startLedger: 1, pagination: { limit: 2 } });
    expect(page.transactions).toHaveLength(2);
    const rest = await server.getTransactions({ pagination: { cursor: page.cursor, limit: 200 } });
    const all = [...page.transactions, ...rest.transactions];
    const keys = all.map((t) => [t.ledger, t.applicationOrder]);
    expect(keys).toEqual([...keys].sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!));
    expect(new Set(all.map((t) => t.txHash)).size).toBe(all.length);
    expect(all.every((t) => t.ledger <= latest)).toBe(true);
    const account = await server.getAccount(alice.publicKey());
    expect(account.accountId()).toBe(alice.publicKey());
    expect(StrKey.isValidEd25519PublicKey(account.accountId())).toBe(true);
  });
});
