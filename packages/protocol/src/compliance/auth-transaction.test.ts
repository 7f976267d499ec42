import { Asset, Keypair, Memo, Operation, Transaction, xdr } from '@stellar/stellar-sdk';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DESTINATION, SEP3_ATTACHMENT, SOURCE, TESTNET } from '../testing/compliance-fixtures.js';
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
