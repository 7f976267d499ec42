// The submitter against stellar-core's transaction queue (one pending transaction per source
// account), on both network adapters: a source that already has a transaction pending answers
// TRY_AGAIN_LATER (Horizon's synchronous POST /transactions then times out with 504
// transaction_submission_timeout; RPC's sendTransaction says TRY_AGAIN_LATER). The bridge resends
// the same envelope, and once another transaction took its sequence number it rebuilds, without
// using the payment's bad_seq_retries and without paying twice. Ledgers close only when a test
// closes them, so every wait below is one the queue causes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Asset, Keypair, Operation, TransactionBuilder, type Transaction } from '@stellar/stellar-sdk';
import { databaseLegs, useLegDatabase } from '@anchor/support/testing';
import type { AsyncSubmitStatus } from '../../../packages/localnet/src/ledger-closer.js';
import {
  horizon,
  localnet,
  migrate,
  postPayment,
  runBridge,
  until,
  xlmBalance,
  type Localnet,
  type RunningBridge,
} from './helpers.js';

const SOURCES = {
  tryAdd: 'stellar/stellar-core src/herder/TransactionQueue.cpp (canAdd: one transaction per source account)',
  sync: 'stellar/go services/horizon/internal/actions/submit_transaction.go (txsub timeout → 504)',
  rpc: 'stellar/stellar-rpc cmd/stellar-rpc/internal/methods/send_transaction.go (TRY_AGAIN_LATER)',
};

const [leg] = databaseLegs(['sqlite3']);

const backends = [
  {
    name: 'horizon',
    source: SOURCES.sync,
    config: (net: Localnet) => ({ horizon: net.url }),
  },
  {
    name: 'rpc',
    source: SOURCES.rpc,
    config: (net: Localnet) => ({
      network: { backend: 'rpc', rpc_url: net.rpcUrl, poll_interval_ms: 50, submit_timeout_ms: 300 },
    }),
  },
] as const;

describe.each(backends)('busy source on $name', ({ name, source, config }) => {
  const store = useLegDatabase(leg!);
  let net: Localnet;
  let bridge: RunningBridge;
  let base: Keypair;
  /** Every queue answer localnet gave, by envelope hash (the real admit, observed). */
  const admitted = new Map<string, AsyncSubmitStatus['status'][]>();

  const fundNow = async (kp: Keypair, amount: string) => {
    const funding = net.fund(kp.publicKey(), amount);
    net.closeLedger();
    await funding;
  };

  beforeAll(async () => {
    net = await localnet(0, { submitTimeoutMs: 500 });
    const admit = net.closer.admit.bind(net.closer);
    net.closer.admit = (tx) => {
      const r = admit(tx);
      admitted.set(tx.envelopeHash, [...(admitted.get(tx.envelopeHash) ?? []), r.status]);
      return r;
    };
    await migrate(store.database);
    base = Keypair.random();
    await fundNow(base, '1000');
    bridge = await runBridge({
      ...config(net),
      database: { type: store.database.type, url: store.database.url },
      accounts: { base_seed: base.secret() },
      // Nothing here may use a bad-sequence retry.
      submitter: { bad_seq_retries: 0, transaction_timeout_seconds: 300 },
    });
  });
  afterAll(async () => {
    await bridge?.close();
    await net?.close();
  });

  /** A payment from the base account signed outside the bridge (the account used elsewhere). */
  async function outsidePayment(destination: string): Promise<Transaction> {
    const account = await horizon(net).loadAccount(base.publicKey());
    const tx = new TransactionBuilder(account, { fee: '100', networkPassphrase: net.networkPassphrase })
      .addOperation(Operation.payment({ destination, asset: Asset.native(), amount: '1' }))
      .setTimeout(300)
      .build();
    tx.sign(base);
    return tx;
  }

  async function postAsync(tx: Transaction): Promise<string> {
    const res = await fetch(`${net.url}/transactions_async`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: `tx=${encodeURIComponent(tx.toEnvelope().toXDR('base64'))}`,
    });
    return ((await res.json()) as { tx_status: string }).tx_status;
  }

  /** Closes a ledger every 100 ms until `done` settles. */
  async function closingUntil<T>(done: Promise<T>): Promise<T> {
    const timer = setInterval(() => net.closeLedger(), 100);
    try {
      return await done;
    } finally {
      clearInterval(timer);
    }
  }

  /** The transaction recorded for a payment id (its latest), and every one recorded since the first. */
  const rowOf = async (paymentId: string) =>
    (await store
      .db('sent_transaction')
      .whereIn('id', store.db('sent_payment').where({ payment_id: paymentId }).select('sent_transaction_id'))
      .first()) as { id: number; transaction_id: string } | undefined;
  const rowsSince = (id: number) => store.db('sent_transaction').where('id', '>=', id).orderBy('id');

  it(`another transaction pending on the source: the same envelope is resent, then rebuilt once its sequence is taken; paid once, no bad_seq retry used — ${SOURCES.tryAdd}; ${source}`, async () => {
    const to = Keypair.random();
    await fundNow(to, '100');
    const other = await outsidePayment(to.publicKey());
    expect(await postAsync(other)).toBe('PENDING');

    const paying = postPayment(bridge.url, { id: `busy-${name}`, destination: to.publicKey(), amount: '7' });
    // The bridge's envelope met the busy source, and was sent again, unchanged, after the wait.
    const first = await until(async () => {
      const row = await rowOf(`busy-${name}`);
      const answers = row ? (admitted.get(row.transaction_id) ?? []) : [];
      return answers.filter((a) => a === 'TRY_AGAIN_LATER').length >= 2 && row;
    });
    const res = await closingUntil(paying);

    expect(res.status).toBe(200);
    expect(res.json.hash).not.toBe(first.transaction_id);
    // The outside payment (1) and ours (7), each once.
    expect(await xlmBalance(net, to.publicKey())).toBeCloseTo(108, 5);
    expect(
      (await horizon(net).transactions().transaction(other.hash().toString('hex')).call()).successful,
    ).toBe(true);
    const rows = await rowsSince(first.id);
    expect(rows.map((r) => [r.transaction_id, r.status])).toEqual([
      [first.transaction_id, 'failure'],
      [res.json.hash, 'success'],
    ]);
    // The first envelope was never admitted to the queue: it never could have landed.
    expect(admitted.get(first.transaction_id)).not.toContain('PENDING');
  });

  it(`our own envelope waiting in the queue past the submission timeout: the same envelope again (DUPLICATE), landed once — ${source}`, async () => {
    const to = Keypair.random();
    await fundNow(to, '100');
    const paying = postPayment(bridge.url, { id: `wait-${name}`, destination: to.publicKey(), amount: '5' });
    const first = await until(async () => {
      const row = await rowOf(`wait-${name}`);
      const answers = row ? (admitted.get(row.transaction_id) ?? []) : [];
      return answers.includes('DUPLICATE') && row;
    });
    const res = await closingUntil(paying);

    expect(res.status).toBe(200);
    expect(res.json.hash).toBe(first.transaction_id);
    expect(admitted.get(first.transaction_id)?.[0]).toBe('PENDING');
    expect(await xlmBalance(net, to.publicKey())).toBeCloseTo(105, 5);
    const rows = await rowsSince(first.id);
    expect(rows.map((r) => [r.transaction_id, r.status])).toEqual([[first.transaction_id, 'success']]);
  });
});
