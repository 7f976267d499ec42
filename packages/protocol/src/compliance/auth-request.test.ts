import { Asset, Memo, Operation, xdr } from '@stellar/stellar-sdk';
import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../errors.js';
import { DESTINATION, SIGNING_KEY, SIGNING_SEED, SOURCE, TESTNET } from '../testing/compliance-fixtures.js';
import { serializeAttachment } from './attachment.js';
import { serializeAuthData } from './auth-data.js';
import { checkMemoHash, createAuthRequest, encodeAuthRequest, parseAuthRequest } from './auth-request.js';
import { buildAuthTransaction } from './auth-transaction.js';
import { attachmentMemoHash } from './hashes.js';
import { verifyAuthSignature } from './signature.js';
import type { AuthData } from './types.js';

const attachment = serializeAttachment({
  nonce: '1488805458327055805',
  transaction: { sender_info: { first_name: 'Bartek' }, route: 'jed*stellar.org', extra: 'hello <world>' },
});

function authTx(memoHash = attachmentMemoHash(attachment)): string {
  return buildAuthTransaction({
    source: SOURCE,
    operations: [
      Operation.payment({ destination: DESTINATION, asset: new Asset('USD', DESTINATION), amount: '20' }),
    ],
    memoHash,
    networkPassphrase: TESTNET,
  });
}

const authData: AuthData = { sender: 'bartek*stellar.org', need_info: false, tx: authTx(), attachment };

function fieldOf(form: { data?: string; sig?: string }): string | undefined {
  try {
    parseAuthRequest(form);
  } catch (e) {
    if (e instanceof ProtocolError && e.code === 'invalid_auth_request') return e.field;
    throw e;
  }
  throw new Error('expected invalid_auth_request');
}

const SIG = 'Q2cQVOn/A+aOxrLLeUPwHmBm3LMvlfXN8tDHo4Oi6SxWWueMTDfRkC4XvRX4emLij+Npo7/GfrZ82CnT5yB5Dg==';

describe('auth request round trip', () => {
  it('builds, form-encodes, parses, verifies and checks the memo hash', () => {
    const request = createAuthRequest(SIGNING_SEED, authData);
    expect(request.data).toBe(serializeAuthData(authData));

    const body = encodeAuthRequest(request);
    expect(body.startsWith('data=%7B%22sender%22%3A%22bartek%2Astellar.org%22')).toBe(true);
    const form = Object.fromEntries(new URLSearchParams(body));

    const parsed = parseAuthRequest(form);
    expect(parsed.rawData).toBe(request.data);
    expect(parsed.authData).toEqual(authData);
    expect(parsed.attachment.transaction.route).toBe('jed*stellar.org');
    expect(parsed.tx.seqNum().toString()).toBe('0');
    expect(verifyAuthSignature(SIGNING_KEY, parsed.rawData, parsed.sig)).toBe(true);
    expect(() => checkMemoHash(parsed.authData)).not.toThrow();
  });
});

describe('parseAuthRequest field order', () => {
  const valid = serializeAuthData(authData);
  const withData = (patch: Partial<AuthData>) => serializeAuthData({ ...authData, ...patch });

  it('reports data first: missing, empty, not JSON, wrong types (PR-2, AU-1)', () => {
    expect(fieldOf({})).toBe('data');
    expect(fieldOf({ data: '', sig: SIG })).toBe('data');
    expect(fieldOf({ data: 'hello world', sig: 'bad sig' })).toBe('data');
    expect(fieldOf({ data: '{"need_info":"yes"}', sig: SIG })).toBe('data');
  });

  it('then sig: missing or not base64', () => {
    expect(fieldOf({ data: valid })).toBe('sig');
    expect(fieldOf({ data: valid, sig: 'bad sig' })).toBe('sig');
  });

  it('then sender, tx, attachment: the Go PR-2 invalid AuthData reports the sender first', () => {
    const goVector = { sender: 'bartekstellar.org', tx: '&^%', attachment: 'abc' };
    expect(fieldOf({ data: withData(goVector), sig: SIG })).toBe('data.sender');
    expect(fieldOf({ data: withData({ ...goVector, sender: authData.sender }), sig: SIG })).toBe('data.tx');
    expect(fieldOf({ data: withData({ attachment: 'abc' }), sig: SIG })).toBe('data.attachment');
  });

  it.each([
    [{ sender: '' }, 'data.sender'],
    [{ tx: '' }, 'data.tx'],
    [{ tx: 'AAAA' }, 'data.tx'],
    [{ attachment: '' }, 'data.attachment'],
    [{ attachment: '{"nonce":5}' }, 'data.attachment'],
  ])('rejects %j with %s', (patch, field) => {
    expect(fieldOf({ data: withData(patch), sig: SIG })).toBe(field);
  });
});

describe('checkMemoHash', () => {
  it('rejects a memo hash of other bytes', () => {
    const other = { ...authData, tx: authTx(attachmentMemoHash(attachment + ' ')) };
    expect(() => checkMemoHash(other)).toThrow(
      expect.objectContaining({
        code: 'memo_hash_mismatch',
        message: 'Memo preimage hash does not equal tx Memo.Hash',
      }),
    );
  });

  it('rejects a re-serialized attachment: the hash covers the exact received text', () => {
    expect(() => checkMemoHash({ ...authData, attachment: JSON.stringify(JSON.parse(attachment)) })).toThrow(
      expect.objectContaining({ code: 'memo_hash_mismatch' }),
    );
  });

  it('rejects a transaction without a hash memo', () => {
    const tx = buildAuthTransaction({
      source: SOURCE,
      operations: [Operation.payment({ destination: DESTINATION, asset: Asset.native(), amount: '1' })],
      memoHash: attachmentMemoHash(attachment),
      networkPassphrase: TESTNET,
    });
    // Swap the memo for a text memo in the decoded XDR object.
    const parsed = xdr.Transaction.fromXDR(tx, 'base64');
    parsed.memo(Memo.text('bob').toXDRObject());
    expect(() => checkMemoHash({ tx: parsed.toXDR('base64'), attachment })).toThrow(
      expect.objectContaining({
        code: 'memo_hash_mismatch',
        message: 'Transaction does not contain Memo.Hash',
      }),
    );
  });
});
