// `[http] extra_ca_file`: bank A's compliance server reaches bank B over HTTPS
// only (no allow_http), B's certificate signed by a throw-away CA. B's
// stellar.toml and federation are served over HTTPS on bank-b.test, its auth
// endpoint (B's compliance external port, TLS as `[tls]` sets it up) on
// auth.bank-b.test; A's `host_map` routes both names to loopback while TLS still
// checks the certificate against them. With the CA file /send succeeds; without
// it /send fails with a clear JSON error naming the TLS problem, and A keeps serving.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Keypair } from '@stellar/stellar-sdk';
import {
  databaseLegs,
  makeTestCertificates,
  type TestCertificates,
  type TestDatabase,
} from '@anchor/support/testing';
import { buildAuthRequest, SOURCE } from './support/auth-requests.js';
import { NETWORK_PASSPHRASE, startBank, type Bank } from './support/bank.js';
import { BankWebServer, CallbacksServer } from './support/servers.js';
import { get, postForm, rows } from './support/world.js';

const B_DOMAIN = 'bank-b.test';
const B_AUTH_HOST = 'auth.bank-b.test';

describe.each(databaseLegs(['sqlite3', 'mysql']))('compliance → other bank over HTTPS on $type', (leg) => {
  let certs: TestCertificates;
  let callbacks: CallbacksServer;
  let bWeb: BankWebServer; // https://bank-b.test: stellar.toml + federation
  let b: Bank; // receiver; external port over HTTPS = https://auth.bank-b.test/
  let a: Bank; // sender trusting the CA through [http] extra_ca_file
  let aWithoutCa: Bank; // the same sender config without extra_ca_file
  const databases: TestDatabase[] = [];
  const bobAccount = Keypair.random().publicKey();
  let counter = 0;

  beforeAll(async () => {
    if (leg.unavailable) return;
    const database = async () => {
      const db = await leg.create();
      databases.push(db);
      return db;
    };
    certs = makeTestCertificates([B_DOMAIN, B_AUTH_HOST]);
    callbacks = await new CallbacksServer().start();
    b = await startBank({
      name: 'b',
      database: await database(),
      callbacksServer: callbacks,
      callbacks: ['sanctions'],
      externalTls: { certificateFile: certs.certificateFile, privateKeyFile: certs.privateKeyFile },
    });
    bWeb = await new BankWebServer({
      cert: readFileSync(certs.certificateFile),
      key: readFileSync(certs.privateKeyFile),
    }).start();
    bWeb.toml = {
      kind: 'toml',
      text: [
        `NETWORK_PASSPHRASE = "${NETWORK_PASSPHRASE}"`,
        `SIGNING_KEY = "${b.keypair.publicKey()}"`,
        `AUTH_SERVER = "https://${B_AUTH_HOST}/"`,
        `FEDERATION_SERVER = "https://${B_DOMAIN}/federation"`,
        '',
      ].join('\n'),
    };
    bWeb.names.set(`bob*${B_DOMAIN}`, { account_id: bobAccount, memo_type: 'text', memo: 'bob' });

    const http = (extraCaFile?: string) => ({
      timeout_ms: 5_000,
      allow_http: false, // https only towards other banks
      allow_local_peers: true, // bank-b.test is mapped to loopback
      ...(extraCaFile ? { extra_ca_file: extraCaFile } : {}),
      host_map: {
        [B_DOMAIN]: `127.0.0.1:${bWeb.port}`,
        [B_AUTH_HOST]: `127.0.0.1:${b.external.port}`,
      },
    });
    a = await startBank({
      name: 'a',
      database: await database(),
      callbacksServer: callbacks,
      callbacks: ['fetch_info'],
      http: http(certs.caFile),
    });
    aWithoutCa = await startBank({
      name: 'a-without-ca',
      database: await database(),
      callbacksServer: callbacks,
      callbacks: ['fetch_info'],
      http: http(),
    });
  });
  afterAll(async () => {
    await Promise.all([a?.close(), aWithoutCa?.close(), b?.close(), bWeb?.close(), callbacks?.close()]);
    await Promise.all(databases.map((d) => d.drop()));
  });
  beforeEach(() => {
    if (leg.unavailable) return;
    callbacks.reset();
    callbacks.always('/a/fetch_info', { status: 200, body: '{"first_name":"Alice"}' });
    callbacks.always('/a-without-ca/fetch_info', { status: 200, body: '{"first_name":"Alice"}' });
    callbacks.always('/b/sanctions', { status: 200 });
  });

  const sendFrom = (bank: Bank) =>
    postForm(`${bank.internal.url}/send`, {
      id: `tls-${Date.now()}-${++counter}`,
      source: SOURCE,
      sender: `alice*${bank.domain}`,
      destination: `bob*${B_DOMAIN}`,
      amount: '10',
    });

  it.skipIf(leg.unavailable)(
    'with the CA in extra_ca_file: stellar.toml, federation and the auth endpoint over HTTPS, /send answers ok',
    async () => {
      expect(b.external.url).toMatch(/^https:/);
      const res = await sendFrom(a);
      expect(res.status, res.text).toBe(200);
      const body = res.json() as { auth_response: unknown; transaction_xdr: string };
      expect(body.auth_response).toEqual({ info_status: 'ok', tx_status: 'ok' });
      expect(bWeb.tomlRequests).toBeGreaterThan(0);
      expect(bWeb.federationQueries).toContainEqual({ q: `bob*${B_DOMAIN}`, type: 'name' });
      // B authorized it (it reached B's auth endpoint over TLS).
      const authorized = await rows(b, 'authorized_transaction');
      expect(authorized.map((t) => t.transaction_xdr)).toContain(body.transaction_xdr);
    },
  );

  it.skipIf(leg.unavailable)(
    'without the CA: a clear JSON error naming the TLS problem, nothing sent, the server keeps serving',
    async () => {
      const federationBefore = bWeb.federationQueries.length;
      const authorizedBefore = (await rows(b, 'authorized_transaction')).length;
      const res = await sendFrom(aWithoutCa);
      expect(res.status).toBe(400);
      const json = res.json() as { code: string; message: string; more_info?: string };
      expect(json).toMatchObject({
        code: 'cannot_resolve_destination',
        message: 'Cannot resolve destination.',
      });
      expect(json.more_info).toMatch(/TLS certificate rejected \(UNABLE_TO_VERIFY_LEAF_SIGNATURE\)/);
      expect(json.more_info).toContain(B_DOMAIN);
      expect(Object.keys(json).sort()).toEqual(['code', 'message', 'more_info']); // no stack, no internals
      expect(bWeb.federationQueries).toHaveLength(federationBefore);
      expect(await rows(b, 'authorized_transaction')).toHaveLength(authorizedBefore);
      expect(await rows(aWithoutCa, 'auth_data')).toHaveLength(0);
      expect((await get(`${aWithoutCa.internal.url}/health`)).status).toBe(200);
    },
  );

  it.skipIf(leg.unavailable)(
    "the auth endpoint fetches an HTTPS sender's stellar.toml with the extra CA; without it 400 data.sender (the TLS detail only in our log)",
    async () => {
      // B signs as a sender; A and A-without-CA are the receivers (their host_map routes bank-b.test).
      const request = () => buildAuthRequest({ seed: b.keypair.secret(), sender: `carol*${B_DOMAIN}` });
      const trusted = await postForm(`${a.external.url}/`, request().body);
      expect([trusted.status, trusted.text]).toEqual([200, '{"info_status":"ok","tx_status":"ok"}']);

      const untrusted = await postForm(`${aWithoutCa.external.url}/`, request().body);
      expect(untrusted.status).toBe(400);
      expect(untrusted.json()).toMatchObject({ code: 'invalid_parameter', data: { name: 'data.sender' } });
      // A remote caller never learns our transport errors (issue 13, finding 3).
      expect((untrusted.json() as { more_info: string }).more_info).toBe(
        `Cannot get stellar.toml of sender: stellar.toml of ${B_DOMAIN} could not be fetched`,
      );
      expect(await rows(aWithoutCa, 'authorized_transaction')).toHaveLength(0);
    },
  );
});
