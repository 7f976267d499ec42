// Every POST endpoint of the four services, fed what a hostile or broken client
// sends (issue 13 finding 9): a charset we do not read is 415, a body that claims
// gzip or br and is not is 400, a path parameter with broken percent-encoding is
// 400, and a JSON body where only forms are documented is 415 (finding 10). Never
// a 500. One fix in packages/support's createServiceApp covers them all, so the
// table runs against each service's real app over real HTTP.
import http from 'node:http';
import { Keypair } from '@stellar/stellar-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKnex, createSilentLogger, startServer, type RunningServer } from '@anchor/support';
import { databaseLegs, type TestDatabase } from '@anchor/support/testing';
import {
  funded,
  localnet,
  migrate,
  runBridge,
  type Localnet,
  type RunningBridge,
} from '../../services/bridge/test/helpers.js';
import { startHarness, type Harness } from '../../services/callbacks/test/helpers.js';
import { startBank, type Bank } from '../../services/compliance/test/support/bank.js';
import { CallbacksServer } from '../../services/compliance/test/support/servers.js';
import { createApp as createFederationApp } from '../../services/federation/src/app.js';
import { FederationService } from '../../services/federation/src/services/federation.service.js';
import { KnexAccountStore } from '../../services/federation/src/stores/account.store.js';

const sqlite = databaseLegs(['sqlite3'])[0]!;

function post(
  base: string,
  path: string,
  headers: Record<string, string>,
  body: string,
): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}${path}`, { method: 'POST', headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => {
        let parsed: Record<string, unknown> = {};
        try {
          parsed = JSON.parse(text) as Record<string, unknown>;
        } catch {
          parsed = { text };
        }
        resolve({ status: res.statusCode ?? 0, body: parsed });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

const FORM = 'application/x-www-form-urlencoded';
const MALFORMED = [
  {
    name: 'unsupported charset',
    headers: { 'content-type': `${FORM}; charset=utf-7` },
    status: 415,
    code: 'unsupported_charset',
  },
  {
    name: 'claims gzip, is not',
    headers: { 'content-type': FORM, 'content-encoding': 'gzip' },
    status: 400,
    code: 'invalid_body',
  },
  {
    name: 'claims br, is not',
    headers: { 'content-type': FORM, 'content-encoding': 'br' },
    status: 400,
    code: 'invalid_body',
  },
  {
    name: 'JSON where a form is documented',
    headers: { 'content-type': 'application/json' },
    status: 415,
    code: 'unsupported_media_type',
    body: '{"a":"1"}',
  },
] as const;

const SIGNED = new Set(['callbacks /receive', 'callbacks /error']);

let net: Localnet;
let bridgeDb: TestDatabase;
let bridge: RunningBridge;
let callbacks: Harness;
let callbacksHttp: RunningServer;
let complianceCallbacks: CallbacksServer;
let bank: Bank;
let federationDb: TestDatabase;
let federation: RunningServer;

beforeAll(async () => {
  net = await localnet();
  bridgeDb = await sqlite.create();
  await migrate(bridgeDb);
  bridge = await runBridge({
    horizon: net.url,
    database: { type: bridgeDb.type, url: bridgeDb.url },
    accounts: { base_seed: (await funded(net)).secret(), receiving_account_id: Keypair.random().publicKey() },
  });
  callbacks = await startHarness(sqlite);
  callbacksHttp = await startServer(callbacks.app, { port: 0 });
  complianceCallbacks = await new CallbacksServer().start();
  const complianceDb = await sqlite.create();
  bank = await startBank({ name: 'bank-a', database: complianceDb, callbacksServer: complianceCallbacks });
  federationDb = await sqlite.create();
  const db = createKnex(federationDb);
  federation = await startServer(
    createFederationApp({
      service: new FederationService(new KnexAccountStore(db, { federation: 'SELECT 1 AS id' })),
      logger: createSilentLogger(),
    }),
    { port: 0 },
  );
  federation.server.on('close', () => void db.destroy());
}, 60_000);

afterAll(async () => {
  await federation?.close();
  await federationDb?.drop();
  await bank?.close();
  await complianceCallbacks?.close();
  await callbacksHttp?.close();
  await callbacks?.close();
  await bridge?.close();
  await bridgeDb?.drop();
  await net?.close();
});

/** [service, base url, POST path]: every POST route the services mount. */
function endpoints(): Array<[string, string, string]> {
  const b = bridge.url;
  const c = callbacksHttp.url;
  const i = bank.internal.url;
  return [
    ['bridge', b, '/create-keypair'],
    ['bridge', b, '/payment'],
    ['bridge', b, '/reprocess'],
    ['bridge', b, '/admin/deliveries/retry'],
    ['bridge', b, '/admin/deliveries/1/retry'],
    ['callbacks', c, '/receive'],
    ['callbacks', c, '/error'],
    ['callbacks', c, '/sanctions'],
    ['callbacks', c, '/ask_user'],
    ['callbacks', c, '/fetch_info'],
    ['callbacks', c, '/console/login'],
    ['compliance external', bank.external.url, '/'],
    ['compliance internal', i, '/send'],
    ['compliance internal', i, '/receive'],
    ['compliance internal', i, '/allow_access'],
    ['compliance internal', i, '/remove_access'],
  ];
}

describe('malformed requests on every POST endpoint', () => {
  it('are 4xx with stable codes, never 500', async () => {
    const seen: string[] = [];
    for (const [service, base, path] of endpoints()) {
      for (const bad of MALFORMED) {
        const body = 'body' in bad ? bad.body : 'a=1&b=2';
        const res = await post(base, path, { ...bad.headers, 'content-length': String(body.length) }, body);
        seen.push(`${service} ${path} ${bad.name}: ${res.status} ${String(res.body.code)}`);
      }
    }
    const expected: string[] = [];
    for (const [service, , path] of endpoints()) {
      for (const bad of MALFORMED) {
        // The bridge's signed callbacks check X-Payload-Mac over the raw bytes before
        // decoding any text, so an unsigned body in a strange charset is 403 first.
        const signed = SIGNED.has(`${service} ${path}`) && bad.name === 'unsupported charset';
        expected.push(
          `${service} ${path} ${bad.name}: ${signed ? '403 forbidden' : `${bad.status} ${bad.code}`}`,
        );
      }
    }
    expect(seen).toEqual(expected);
  });

  it('a path parameter with broken percent-encoding is 400 invalid_path', async () => {
    const res = await post(bridge.url, '/admin/deliveries/%E0%A4%A/retry', { 'content-type': FORM }, '');
    expect(res).toEqual({
      status: 400,
      body: { code: 'invalid_path', message: 'Malformed percent-encoding in the request path.' },
    });
  });

  it('federation answers a POST with a broken body without reading it, never 500', async () => {
    for (const bad of MALFORMED) {
      const res = await post(federation.url, '/federation', { ...bad.headers }, 'a=1');
      expect(res.status).toBe(405);
    }
  });

  it('JSON stays accepted where it is documented (bridge /builder)', async () => {
    const res = await post(bridge.url, '/builder', { 'content-type': 'application/json' }, '{"a":');
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('invalid_body');
  });
});
