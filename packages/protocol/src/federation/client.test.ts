import axios from 'axios';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ProtocolError } from '../errors.js';
import { StellarTomlResolver } from '../stellar-toml/resolver.js';
import { STELLAR_TOML_WELL_KNOWN_PATH } from '../stellar-toml/parse.js';
import { json, startLocalServer, text, type LocalServer } from '../testing/local-server.js';
import { FEDERATION_RESPONSE_MAX_SIZE, FederationClient } from './client.js';

const G = 'GAMVF7G4GJC4A7JMFJWLUAEIBFQD5RT3DCB5DC5TJDEKQBBACQ4JZVEE';

let server: LocalServer;
beforeAll(async () => {
  server = await startLocalServer();
});
afterAll(() => server.close());
beforeEach(() => {
  server.routes.clear();
  server.requests.length = 0;
  server.routes.set(STELLAR_TOML_WELL_KNOWN_PATH, text(`FEDERATION_SERVER = "${server.origin}/federation"`));
});

function client(options: { allowHttp?: boolean; timeoutMs?: number } = {}): FederationClient {
  const http = axios.create();
  const tomlResolver = new StellarTomlResolver({ http, allowHttp: true, timeoutMs: 2000 });
  return new FederationClient({ http, tomlResolver, allowHttp: true, timeoutMs: 2000, ...options });
}

async function rejection(p: Promise<unknown>): Promise<ProtocolError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ProtocolError) return e;
    throw e;
  }
  throw new Error('expected a rejection');
}

function federationQueries(): URLSearchParams[] {
  return server.requests
    .filter((r) => r.startsWith('/federation'))
    .map((r) => new URL(r, 'http://x').searchParams);
}

describe('FederationClient', () => {
  it('resolves a name through FEDERATION_SERVER with type=name', async () => {
    server.routes.set('/federation', json({ account_id: G, memo_type: 'text', memo: 'bob' }));
    const address = `bob*${server.domain}`;
    await expect(client().resolveAddress(address)).resolves.toEqual({
      stellar_address: address,
      account_id: G,
      memo_type: 'text',
      memo: 'bob',
    });
    const [q] = federationQueries();
    expect(Object.fromEntries(q!)).toEqual({ q: address, type: 'name' });
  });

  it('converts a numeric id memo to a string', async () => {
    server.routes.set('/federation', json(`{"account_id":"${G}","memo_type":"id","memo":1}`));
    const record = await client().resolveAddress(`bob*${server.domain}`);
    expect(record).toMatchObject({ memo_type: 'id', memo: '1' });
  });

  it('returns an account id as is, without any request', async () => {
    await expect(client().resolveAddress(G)).resolves.toEqual({ account_id: G });
    expect(server.requests).toHaveLength(0);
  });

  it('reverse-resolves an account id with type=id', async () => {
    server.routes.set('/federation', json({ stellar_address: `scott*${server.domain}`, account_id: G }));
    await expect(client().resolveAccountId(server.domain, G)).resolves.toMatchObject({
      stellar_address: `scott*${server.domain}`,
    });
    expect(Object.fromEntries(federationQueries()[0]!)).toEqual({ q: G, type: 'id' });
  });

  it('sends forward fields as query parameters with type=forward', async () => {
    server.routes.set('/federation', json({ account_id: G, memo_type: 'id', memo: '1' }));
    const fields = { forward_type: 'bank_account', swift: 'BOPBPHMM', acct: '2382376' };
    await expect(client().resolveForward(server.domain, fields)).resolves.toMatchObject({
      account_id: G,
      memo: '1',
    });
    expect(Object.fromEntries(federationQueries()[0]!)).toEqual({ ...fields, type: 'forward' });
  });

  it('queries a transaction with type=txid', async () => {
    server.routes.set('/federation', json({ account_id: G }));
    await client().resolveTxid(server.domain, 'abc123');
    expect(Object.fromEntries(federationQueries()[0]!)).toEqual({ q: 'abc123', type: 'txid' });
  });

  it('maps 404 to federation_not_found and 500 to federation_failed with the status', async () => {
    server.routes.set('/federation', json({ code: 'not_found', message: 'Account not found' }, 404));
    const notFound = await rejection(client().resolveAddress(`jed*${server.domain}`));
    expect([notFound.code, notFound.upstreamStatus]).toEqual(['federation_not_found', 404]);
    server.routes.set('/federation', text('An internal error occurred', 500));
    const failed = await rejection(client().resolveAddress(`jed*${server.domain}`));
    expect([failed.code, failed.upstreamStatus]).toEqual(['federation_failed', 500]);
  });

  it('does not follow a redirect', async () => {
    server.routes.set('/federation', text('', 301, { Location: '/other' }));
    server.routes.set('/other', json({ account_id: G }));
    const e = await rejection(client().resolveAddress(`bob*${server.domain}`));
    expect([e.code, e.upstreamStatus]).toEqual(['federation_failed', 301]);
    expect(server.requests.some((r) => r.startsWith('/other'))).toBe(false);
  });

  it('rejects an oversize response', async () => {
    server.routes.set(
      '/federation',
      json(`{"account_id":"${G}","pad":"${'x'.repeat(FEDERATION_RESPONSE_MAX_SIZE)}"}`),
    );
    expect((await rejection(client().resolveAddress(`bob*${server.domain}`))).code).toBe(
      'federation_too_large',
    );
  });

  it('rejects an invalid account id in the response', async () => {
    server.routes.set('/federation', json({ account_id: 'GBAD' }));
    const e = await rejection(client().resolveAddress(`bob*${server.domain}`));
    expect([e.code, e.field]).toEqual(['federation_response_invalid', 'account_id']);
  });

  it('rejects a name response without account_id', async () => {
    server.routes.set('/federation', json({ memo: '' }));
    const e = await rejection(client().resolveAddress(`bob*${server.domain}`));
    expect([e.code, e.field]).toEqual(['federation_response_invalid', 'account_id']);
  });

  it('rejects memo_type with an empty memo, as the Go client does', async () => {
    server.routes.set('/federation', json({ account_id: G, memo_type: 'text', memo: '' }));
    expect((await rejection(client().resolveAddress(`bob*${server.domain}`))).code).toBe(
      'federation_response_invalid',
    );
  });

  it('times out on a silent federation server', async () => {
    server.routes.set('/federation', () => undefined);
    expect((await rejection(client({ timeoutMs: 200 }).resolveAddress(`bob*${server.domain}`))).code).toBe(
      'federation_timeout',
    );
  });

  it('requires FEDERATION_SERVER in stellar.toml', async () => {
    server.routes.set(STELLAR_TOML_WELL_KNOWN_PATH, text('VERSION = "2.0.0"'));
    expect((await rejection(client().resolveAddress(`bob*${server.domain}`))).code).toBe(
      'federation_server_missing',
    );
  });

  it('refuses an http FEDERATION_SERVER unless allowHttp', async () => {
    const e = await rejection(client({ allowHttp: false }).resolveAddress(`bob*${server.domain}`));
    expect([e.code, e.field]).toEqual(['insecure_url_rejected', 'FEDERATION_SERVER']);
    expect(federationQueries()).toHaveLength(0);
  });

  it('validates its inputs before any request', async () => {
    expect((await rejection(client().resolveAddress('bob'))).code).toBe('invalid_stellar_address');
    expect((await rejection(client().resolveAccountId(server.domain, 'GBAD'))).code).toBe(
      'invalid_account_id',
    );
    expect(server.requests).toHaveLength(0);
  });

  it('passes stellar.toml errors through', async () => {
    server.routes.delete(STELLAR_TOML_WELL_KNOWN_PATH);
    expect((await rejection(client().resolveAddress(`bob*${server.domain}`))).code).toBe('toml_fetch_failed');
  });
});
