// Conformance: the transaction queue. Every row names where the real behaviour comes from, so
// it can be re-checked against stellar-core, Horizon and Stellar RPC.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Keypair, Operation, rpc, type Transaction } from '@stellar/stellar-sdk';
import { QUEUE_BAN_LEDGERS, QUEUE_TIMEOUT_LEDGERS } from '../../src/ledger-closer.js';
import { buildTx, postTx, startNet, type Ctx } from '../helpers.js';

const SOURCES = {
  tryAdd: 'stellar/stellar-core src/herder/TransactionQueue.cpp (tryAdd: one transaction per source account)',
  depths:
    'stellar/stellar-core src/main/Config.cpp (TRANSACTION_QUEUE_TIMEOUT_LEDGERS = 4, TRANSACTION_QUEUE_BAN_LEDGERS = 10)',
  async: 'stellar/go services/horizon/internal/actions/submit_transaction_async.go (status → HTTP code)',
  sync: 'stellar/go services/horizon/internal/actions/submit_transaction.go (txsub.ErrTimeout → 504 problem)',
  txsub:
    'stellar/go services/horizon/internal/txsub/submitter.go (PENDING/DUPLICATE/TRY_AGAIN_LATER are not errors)',
  rpc: 'stellar/stellar-rpc cmd/stellar-rpc/internal/methods/send_transaction.go (core status passed through)',
};

let ctx: Ctx;
beforeEach(async () => {
  // Ledgers close only when a test closes them, so every age below is exact.
  ctx = await startNet({ closeIntervalMs: 0, submitTimeoutMs: 300, maxOperationsPerLedger: 1 });
});
afterEach(async () => {
  await ctx.net.close();
});

async function fundedNow(): Promise<Keypair> {
  const kp = Keypair.random();
  const funding = ctx.net.fund(kp.publicKey(), '1000');
  ctx.net.closeLedger();
  await funding;
  return kp;
}

async function payments(source: Keypair, count: number, ops = 1): Promise<Transaction[]> {
  const dest = Keypair.random().publicKey();
  const account = await ctx.server.loadAccount(source.publicKey());
  const start = BigInt(account.sequence);
  return Promise.all(
    Array.from({ length: count }, (_, i) =>
      buildTx(
        ctx,
        source,
        Array.from({ length: ops }, () =>
          Operation.createAccount({ destination: dest, startingBalance: '1' }),
        ),
        { sequence: (start + BigInt(i)).toString() },
      ),
    ),
  );
}

describe('transaction queue conformance', () => {
  it(`a second transaction from a busy source is TRY_AGAIN_LATER, the same one DUPLICATE — ${SOURCES.tryAdd}; ${SOURCES.async}`, async () => {
    const [first, second] = await payments(await fundedNow(), 2);
    const rows = [
      { tx: first!, status: 201, tx_status: 'PENDING' },
      { tx: second!, status: 503, tx_status: 'TRY_AGAIN_LATER' },
      { tx: first!, status: 409, tx_status: 'DUPLICATE' },
    ];
    for (const row of rows) {
      const r = await postTx(ctx, row.tx);
      expect(r).toEqual({
        status: row.status,
        body: { tx_status: row.tx_status, hash: row.tx.hash().toString('hex') },
      });
    }
  });

  it(`a synchronous submission for a busy source waits, then answers 504 transaction_submission_timeout — ${SOURCES.sync}; ${SOURCES.txsub}`, async () => {
    const [first, second] = await payments(await fundedNow(), 2);
    expect((await postTx(ctx, first!)).status).toBe(201);
    const r = await postTx(ctx, second!, '/transactions');
    expect(r.status).toBe(504);
    expect(r.body).toMatchObject({
      type: 'https://stellar.org/horizon-errors/transaction_submission_timeout',
      title: 'Transaction Submission Timeout',
      status: 504,
      extras: { hash: second!.hash().toString('hex'), envelope_xdr: second!.toEnvelope().toXDR('base64') },
    });
    // Nothing of the refused one was queued: once the first lands the source is free, and the
    // second (now the next sequence number) is admitted.
    ctx.net.closeLedger();
    expect((await postTx(ctx, second!)).body.tx_status).toBe('PENDING');
  });

  it(`a waiting synchronous submission resolves when its hash lands through another entry point — ${SOURCES.txsub}`, async () => {
    const [first] = await payments(await fundedNow(), 1);
    const waiting = ctx.server.submitTransaction(first!, { skipMemoRequiredCheck: true });
    await new Promise((r) => setTimeout(r, 50));
    expect((await postTx(ctx, first!)).body.tx_status).toBe('DUPLICATE');
    ctx.net.closeLedger();
    expect((await waiting).successful).toBe(true);
  });

  it(`an applied hash is banned for ${QUEUE_BAN_LEDGERS} ledgers, then it is a bad sequence — ${SOURCES.depths}`, async () => {
    const [first] = await payments(await fundedNow(), 1);
    expect((await postTx(ctx, first!)).status).toBe(201);
    ctx.net.closeLedger();
    // Horizon's synchronous path answers an already recorded hash from its own history.
    const sync = await postTx(ctx, first!, '/transactions');
    expect(sync.status).toBe(200);
    expect(sync.body.hash).toBe(first!.hash().toString('hex'));
    for (let i = 1; i < QUEUE_BAN_LEDGERS; i++) {
      expect((await postTx(ctx, first!)).body.tx_status).toBe('TRY_AGAIN_LATER');
      ctx.net.closeLedger();
    }
    expect((await postTx(ctx, first!)).body.tx_status).toBe('TRY_AGAIN_LATER');
    ctx.net.closeLedger();
    const after = await postTx(ctx, first!);
    expect(after.status).toBe(400);
    expect(after.body.tx_status).toBe('ERROR');
    // tx_bad_seq, fee charged 100: AAAAAAAAAGT////7AAAAAA==
    expect(after.body.error_result_xdr).toBe('AAAAAAAAAGT////7AAAAAA==');
  });

  it(`a transaction not included within ${QUEUE_TIMEOUT_LEDGERS} ledgers is dropped (and banned) — ${SOURCES.depths}`, async () => {
    const source = await fundedNow();
    // Two operations never fit a one-operation ledger, so it waits until the queue drops it.
    const [big] = await payments(source, 1, 2);
    expect((await postTx(ctx, big!)).status).toBe(201);
    for (let i = 1; i < QUEUE_TIMEOUT_LEDGERS; i++) {
      ctx.net.closeLedger();
      expect(ctx.net.closer.pending(big!.hash().toString('hex'))).toBe(true);
    }
    ctx.net.closeLedger();
    expect(ctx.net.closer.pending(big!.hash().toString('hex'))).toBe(false);
    expect(ctx.net.closer.queueLength()).toBe(0);
    expect((await postTx(ctx, big!)).body.tx_status).toBe('TRY_AGAIN_LATER');
    const [small] = await payments(source, 1);
    expect((await postTx(ctx, small!)).body.tx_status).toBe('PENDING');
  });

  it(`Stellar RPC sendTransaction gives the same queue answers — ${SOURCES.rpc}`, async () => {
    const server = new rpc.Server(ctx.net.rpcUrl, { allowHttp: true });
    const [first, second] = await payments(await fundedNow(), 2);
    expect((await postTx(ctx, first!)).status).toBe(201);
    expect((await server.sendTransaction(second!)).status).toBe('TRY_AGAIN_LATER');
    expect((await server.sendTransaction(first!)).status).toBe('DUPLICATE');
    ctx.net.closeLedger();
    expect((await server.sendTransaction(first!)).status).toBe('TRY_AGAIN_LATER');
  });
});
