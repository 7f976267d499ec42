import { Asset, Keypair, Memo, Operation, Transaction, xdr } from '@stellar/stellar-sdk';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DESTINATION, SEP3_ATTACHMENT, SOURCE, TESTNET } from '../testing/compliance-fixtures.js';
import { checkMemoHash } from './auth-request.js';
import { buildAuthTransaction, parseAuthTransaction, transactionMemoHash } from './auth-transaction.js';
import { attachmentMemoHash, authTransactionHash } from './hashes.js';

const payment = Operation.payment({
  destination: DESTINATION,
  asset: new Asset('USD', DESTINATION),
  amount: '20',
  source: SOURCE,
});

function build(extra: Partial<Parameters<typeof buildAuthTransaction>[0]> = {}): string {
  return buildAuthTransaction({
    source: SOURCE,
    operations: [payment],
    memoHash: attachmentMemoHash(SEP3_ATTACHMENT),
    networkPassphrase: TESTNET,
    ...extra,
  });
}

describe('buildAuthTransaction', () => {
  it('builds the unsigned seq-0 Transaction the Go sender builds', () => {
    const tx = parseAuthTransaction(build());
    expect(tx.seqNum().toString()).toBe('0');
    expect(tx.fee()).toBe(100);
    const tb = tx.cond().timeBounds();
    expect([tb.minTime().toString(), tb.maxTime().toString()]).toEqual(['0', '0']);
    expect(transactionMemoHash(tx)?.equals(attachmentMemoHash(SEP3_ATTACHMENT))).toBe(true);
    expect(Keypair.fromPublicKey(SOURCE).rawPublicKey().equals(tx.sourceAccount().ed25519())).toBe(true);
    expect(tx.operations()).toHaveLength(1);
  });

  it('is byte-identical to the legacy (pre-protocol-13) Transaction XDR (legacy-reference §8.1)', () => {
    const tx = parseAuthTransaction(build());
    const v0 = new xdr.TransactionV0({
      sourceAccountEd25519: Keypair.fromPublicKey(SOURCE).rawPublicKey(),
      fee: tx.fee(),
      seqNum: tx.seqNum(),
      timeBounds: tx.cond().timeBounds(),
      memo: tx.memo(),
      operations: tx.operations(),
      ext: new xdr.TransactionV0Ext(0),
    });
    // Legacy `Transaction.sourceAccount` was a PublicKey union (type 0 + 32 bytes); modern
    // TransactionV0 keeps only the 32 bytes, so legacy tx = uint32(0) || TransactionV0.
    expect(Buffer.concat([Buffer.alloc(4), v0.toXDR()]).toString('base64')).toBe(build());
  });

  it('honours sequence, timebounds and fee per operation', () => {
    const tx = parseAuthTransaction(
      build({ sequence: '42', timebounds: { minTime: 10, maxTime: 20 }, operations: [payment, payment] }),
    );
    expect(tx.seqNum().toString()).toBe('42');
    expect(tx.fee()).toBe(200);
    expect(tx.cond().timeBounds().maxTime().toString()).toBe('20');
  });

  it('rejects a bad source, a memo hash that is not 32 bytes and an empty operation list', () => {
    expect(() => build({ source: 'GBAD' })).toThrow(expect.objectContaining({ code: 'invalid_account_id' }));
    expect(() => build({ memoHash: Buffer.alloc(31) })).toThrow(
      expect.objectContaining({ code: 'invalid_transaction' }),
    );
    expect(() => build({ operations: [] })).toThrow(expect.objectContaining({ code: 'invalid_transaction' }));
  });
});

describe('parseAuthTransaction / transactionMemoHash', () => {
  it('rejects non-XDR input with field data.tx', () => {
    for (const bad of ['AAAA', '&^%', build().slice(0, -8)]) {
      expect(() => parseAuthTransaction(bad)).toThrow(
        expect.objectContaining({ code: 'invalid_transaction', field: 'data.tx' }),
      );
    }
  });

  it('returns undefined for a non-hash memo', () => {
    const tx = parseAuthTransaction(build());
    tx.memo(Memo.text('route').toXDRObject());
    expect(transactionMemoHash(tx)).toBeUndefined();
  });
});

/** A TransactionV0 body built by hand from the fields of a v1 body (not by slicing bytes). */
function v0Of(v1Xdr: string, timeBounds: 'keep' | 'none' = 'keep'): string {
  const tx = xdr.Transaction.fromXDR(v1Xdr, 'base64');
  return new xdr.TransactionV0({
    sourceAccountEd25519: tx.sourceAccount().ed25519(),
    fee: tx.fee(),
    seqNum: tx.seqNum(),
    timeBounds: timeBounds === 'keep' ? tx.cond().timeBounds() : null,
    memo: tx.memo(),
    operations: tx.operations(),
    ext: new xdr.TransactionV0Ext(0),
  }).toXDR('base64');
}

describe('parseAuthTransaction: TransactionV0 body (final Go sender)', () => {
  const v1Xdr = build({
    sequence: '7',
    timebounds: { minTime: 10, maxTime: 20 },
    operations: [payment, payment],
  });
  const v0Xdr = v0Of(v1Xdr);

  it('is really the V0 layout: 4 bytes shorter and not decodable as v1', () => {
    expect(Buffer.from(v0Xdr, 'base64').length).toBe(Buffer.from(v1Xdr, 'base64').length - 4);
    expect(() => xdr.Transaction.fromXDR(v0Xdr, 'base64')).toThrow();
  });

  it('decodes to the v1 equivalent: same source, fee, sequence, time bounds, memo and operations', () => {
    const fromV0 = parseAuthTransaction(v0Xdr);
    const fromV1 = parseAuthTransaction(v1Xdr);
    expect(fromV0.toXDR('base64')).toBe(v1Xdr);
    expect(fromV0.sourceAccount().switch()).toBe(xdr.CryptoKeyType.keyTypeEd25519());
    expect(fromV0.sourceAccount().ed25519().equals(Keypair.fromPublicKey(SOURCE).rawPublicKey())).toBe(true);
    expect([fromV0.fee(), fromV0.seqNum().toString()]).toEqual([200, '7']);
    expect(fromV0.cond().switch()).toBe(xdr.PreconditionType.precondTime());
    expect(fromV0.cond().timeBounds().maxTime().toString()).toBe('20');
    expect(fromV0.memo().toXDR('hex')).toBe(fromV1.memo().toXDR('hex'));
    expect(fromV0.operations().map((op) => op.toXDR('hex'))).toEqual(
      fromV1.operations().map((op) => op.toXDR('hex')),
    );
    expect(transactionMemoHash(fromV0)?.equals(attachmentMemoHash(SEP3_ATTACHMENT))).toBe(true);
  });

  it('matches the conversion stellar-base makes for a v0 envelope', () => {
    const envelope = xdr.TransactionEnvelope.envelopeTypeTxV0(
      new xdr.TransactionV0Envelope({ tx: xdr.TransactionV0.fromXDR(v0Xdr, 'base64'), signatures: [] }),
    );
    const sdkTx = new Transaction(envelope, TESTNET);
    expect(sdkTx.source).toBe(SOURCE);
    expect(authTransactionHash(v0Xdr, TESTNET)).toBe(sdkTx.hash().toString('hex'));
  });

  it('hashes identically to the v1 body', () => {
    expect(authTransactionHash(v0Xdr, TESTNET)).toBe(authTransactionHash(v1Xdr, TESTNET));
  });

  it('maps absent time bounds to PRECOND_NONE, like a v1 body without time bounds', () => {
    const fromV0 = parseAuthTransaction(v0Of(v1Xdr, 'none'));
    expect(fromV0.cond().switch()).toBe(xdr.PreconditionType.precondNone());
    const v1NoBounds = new xdr.Transaction({
      sourceAccount: fromV0.sourceAccount(),
      fee: fromV0.fee(),
      seqNum: fromV0.seqNum(),
      cond: xdr.Preconditions.precondNone(),
      memo: fromV0.memo(),
      operations: fromV0.operations(),
      ext: new xdr.TransactionExt(0),
    }).toXDR('base64');
    expect(authTransactionHash(v0Of(v1Xdr, 'none'), TESTNET)).toBe(authTransactionHash(v1NoBounds, TESTNET));
  });

  it('passes checkMemoHash, and fails it with another attachment', () => {
    expect(() => checkMemoHash({ tx: v0Xdr, attachment: SEP3_ATTACHMENT })).not.toThrow();
    expect(() => checkMemoHash({ tx: v0Xdr, attachment: `${SEP3_ATTACHMENT} ` })).toThrow(
      expect.objectContaining({ code: 'memo_hash_mismatch' }),
    );
  });

  it('rejects a truncated V0 body and one with trailing bytes', () => {
    const raw = Buffer.from(v0Xdr, 'base64');
    for (const bad of [raw.subarray(0, -4), Buffer.concat([raw, Buffer.alloc(4)])]) {
      expect(() => parseAuthTransaction(bad.toString('base64'))).toThrow(
        expect.objectContaining({ code: 'invalid_transaction', field: 'data.tx' }),
      );
    }
  });
});

describe('authTransactionHash', () => {
  it('equals the stellar-sdk network hash of the same transaction', () => {
    const txXdr = build();
    const envelope = xdr.TransactionEnvelope.envelopeTypeTx(
      new xdr.TransactionV1Envelope({ tx: xdr.Transaction.fromXDR(txXdr, 'base64'), signatures: [] }),
    );
    expect(authTransactionHash(txXdr, TESTNET)).toBe(
      new Transaction(envelope, TESTNET).hash().toString('hex'),
    );
  });

  it('is sha256(sha256(passphrase) || uint32be(2) || tx) computed by hand', () => {
    const txXdr = build();
    const expected = createHash('sha256')
      .update(createHash('sha256').update(TESTNET).digest())
      .update(Buffer.from([0, 0, 0, 2]))
      .update(Buffer.from(txXdr, 'base64'))
      .digest('hex');
    expect(authTransactionHash(txXdr, TESTNET)).toBe(expected);
    expect(authTransactionHash(txXdr, 'Public Global Stellar Network ; September 2015')).not.toBe(expected);
  });

  it('rejects undecodable XDR', () => {
    expect(() => authTransactionHash('AAAA', TESTNET)).toThrow(
      expect.objectContaining({ code: 'invalid_transaction' }),
    );
  });
});
