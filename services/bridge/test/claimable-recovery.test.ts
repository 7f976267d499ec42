// How a `claiming` claimable-balance row nobody is working on is settled, with the real service,
// submitter, stores (SQLite) and Horizon (localnet). A crash right after the claim landed is the
// service's onClaimLanded hook throwing: the database is left as a crash leaves it (row `claiming`,
// the claim recorded in sent_transaction and on the ledger, no delivery). Horizon listing a
// balance for a moment after its claim landed (the bridge's scan reads it after the claim's
// ledger) is a network whose claimable_balances answers what it answered before the claim.
// - still listed: the landed claim is found and delivered; no second claim is made;
// - reset to `reported` (as before this fix) and claimed again: the second claim fails
//   op_does_not_exist and takes the same recovery, not `vanished`;
// - claimed by the other claimant: no claim of ours landed, so `vanished`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Asset, Claimant, Keypair, Operation } from '@stellar/stellar-sdk';
import { databaseLegs, type DatabaseLeg, type TestDatabase } from '@anchor/support/testing';
import { createKnex, createSilentLogger } from '@anchor/support';
import type { Knex } from 'knex';
import { HorizonNetwork } from '../src/network/horizon-network.js';
import type { NetworkClaimableBalance, StellarNetwork } from '../src/network/stellar-network.js';
import { ClaimableBalanceService } from '../src/services/claimable-balance.service.js';
import { TransactionSubmitter } from '../src/services/submitter.service.js';
import { KnexClaimableBalanceStore } from '../src/stores/claimable-balance.store.js';
import { KnexReceivedPaymentStore } from '../src/stores/received-payment.store.js';
import { KnexSentTransactionStore } from '../src/stores/sent-transaction.store.js';
import { funded, localnet, migrate, submitOps, type Localnet } from './helpers.js';

const leg = databaseLegs(['sqlite3'])[0] as DatabaseLeg;

describe.skipIf(leg.unavailable)('claiming rows left by a crash', () => {
  let net: Localnet;
  let database: TestDatabase;
  let db: Knex;
  let network: HorizonNetwork;
  let submitter: TransactionSubmitter;

  beforeAll(async () => {
    net = await localnet(200);
    database = await leg.create();
    await migrate(database);
    db = createKnex(database);
    network = new HorizonNetwork(net.url);
    submitter = new TransactionSubmitter({
      network,
      networkPassphrase: net.networkPassphrase,
      store: new KnexSentTransactionStore(db),
      logger: createSilentLogger(),
    });
  });
  afterAll(async () => {
    submitter?.close();
    await db?.destroy();
    await database?.drop();
    await net?.close();
  });

  function service(receiving: Keypair, opts: { network?: StellarNetwork; crash?: boolean } = {}) {
    return new ClaimableBalanceService({
      network: opts.network ?? network,
      store: new KnexClaimableBalanceStore(db),
      received: new KnexReceivedPaymentStore(db),
      sent: new KnexSentTransactionStore(db),
      channels: [],
      submit: (job) => submitter.submit(job),
      notify: () => undefined,
      logger: createSilentLogger(),
      policy: 'claim',
      accounts: [receiving.publicKey()],
      signers: new Map([[receiving.publicKey(), receiving]]),
      assets: [{ code: 'XLM' }],
      pollMs: 60_000,
      holds: () => true,
      onClaimLanded: opts.crash
        ? () => {
            throw new Error('crash after the claim landed');
          }
        : undefined,
    });
  }

  /** A network that lists `account`'s balances as they were (Horizon behind the ledger). */
  function listing(balances: NetworkClaimableBalance[]): StellarNetwork {
    return Object.assign(Object.create(network) as StellarNetwork, {
      claimableBalances: async () => balances,
    });
  }

  async function balanceFor(receiving: Keypair, others: Keypair[] = []) {
    const sender = await funded(net);
    await submitOps(net, sender, [
      Operation.createClaimableBalance({
        asset: Asset.native(),
        amount: '4',
        claimants: [receiving, ...others].map(
          (k) => new Claimant(k.publicKey(), Claimant.predicateUnconditional()),
        ),
      }),
    ]);
    const listed = await network.claimableBalances(receiving.publicKey());
    expect(listed).toHaveLength(1);
    return listed;
  }

  /** Claims the balance, "crashing" after the claim landed: returns the claim's hash. */
  async function crashAfterClaim(receiving: Keypair) {
    await expect(service(receiving, { crash: true }).scan(receiving.publicKey())).rejects.toThrow(
      'crash after the claim landed',
    );
    const row = await db('claimable_balance').where({ account_id: receiving.publicKey() }).first();
    expect(row.status).toBe('claiming');
    expect(await network.claimableBalances(receiving.publicKey())).toEqual([]);
    const sent = await db('sent_transaction').where({ source: receiving.publicKey() });
    expect(sent).toHaveLength(1);
    return { row, hash: String(sent[0].transaction_id) };
  }

  async function expectDeliveredOnce(receiving: Keypair, hash: string) {
    const row = await db('claimable_balance').where({ account_id: receiving.publicKey() }).first();
    expect(row.status).toBe('claimed');
    expect(row.claim_hash).toBe(hash);
    const received = await db('received_payment').where({ account_id: receiving.publicKey() });
    expect(received.map((r) => [r.transaction_id, r.operation_id])).toEqual([[hash, row.operation_id]]);
    const outbox = await db('delivery_outbox').where({ account_id: receiving.publicKey() });
    expect(outbox).toHaveLength(1);
    expect(JSON.parse(outbox[0].payload)).toMatchObject({ transaction_id: hash, amount: '4.0000000' });
  }

  it('still listed after the crash: the landed claim is delivered, none is made again', async () => {
    const receiving = await funded(net);
    const listed = await balanceFor(receiving);
    const { hash } = await crashAfterClaim(receiving);
    await service(receiving, { network: listing(listed) }).scan(receiving.publicKey());
    await expectDeliveredOnce(receiving, hash);
    expect(await db('sent_transaction').where({ source: receiving.publicKey() })).toHaveLength(1);
    // Later scans change nothing.
    await service(receiving, { network: listing(listed) }).scan(receiving.publicKey());
    await service(receiving).scan(receiving.publicKey());
    await expectDeliveredOnce(receiving, hash);
  });

  it('claimed again while listed: op_does_not_exist takes the recovery path, not vanished', async () => {
    const receiving = await funded(net);
    const listed = await balanceFor(receiving);
    const { row, hash } = await crashAfterClaim(receiving);
    await db('claimable_balance').where({ id: row.id }).update({ status: 'reported' });
    await service(receiving, { network: listing(listed) }).scan(receiving.publicKey());
    await expectDeliveredOnce(receiving, hash);
    const sent = await db('sent_transaction').where({ source: receiving.publicKey() }).orderBy('id');
    expect(sent.map((s) => s.status)).toEqual(['success', 'failure']);
  });

  it('claimed by the other claimant: no claim of ours landed, so vanished', async () => {
    const receiving = await funded(net);
    const other = await funded(net);
    const [balance] = await balanceFor(receiving, [other]);
    await submitOps(net, other, [Operation.claimClaimableBalance({ balanceId: balance?.id as string })]);
    const svc = service(receiving, { network: listing([balance as NetworkClaimableBalance]) });
    await svc.scan(receiving.publicKey());
    const row = await db('claimable_balance').where({ account_id: receiving.publicKey() }).first();
    expect(row.status).toBe('vanished');
    expect(await db('received_payment').where({ account_id: receiving.publicKey() })).toEqual([]);
  });
});
