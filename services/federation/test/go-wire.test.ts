// Where our federation answers could differ from the last Go federation server
// (stellar/go before a312e7c1, handlers/federation on a GET-only chi route): the JSON
// escaping of `<`, `>`, `&` (and U+2028/U+2029) and 405 for other methods (issue #14).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Knex } from 'knex';
import { createKnex, createSilentLogger } from '@anchor/support';
import { databaseLegs, type TestDatabase } from '@anchor/support/testing';
import { createApp } from '../src/app.js';
import { FederationService } from '../src/services/federation.service.js';
import { KnexAccountStore } from '../src/stores/account.store.js';
import { loadSampleData, SAMPLE_QUERIES, SAMPLE_TABLE, sampleAccountId } from '../src/sample/sample-data.js';

describe.each(databaseLegs(['sqlite3']))('federation wire as Go answered it, on $type', (leg) => {
  let database: TestDatabase;
  let db: Knex;
  let server: http.Server;
  let base: string;
  const account = sampleAccountId('stellar.org:receiving');

  beforeAll(async () => {
    if (leg.unavailable) return;
    database = await leg.create();
    db = createKnex(database);
    await loadSampleData(db, 'stellar.org');
    await db(SAMPLE_TABLE).insert({
      name: 'tom&jerry',
      domain: 'stellar.org',
      account_id: account,
      memo_type: 'text',
      memo: '<b>hi</b> & \u2028bye',
    });
    const app = createApp({
      service: new FederationService(new KnexAccountStore(db, SAMPLE_QUERIES)),
      logger: createSilentLogger(),
    });
    server = http.createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    await db?.destroy();
    await database?.drop();
  });

  const run = it.skipIf(leg.unavailable);

  run('escapes <, >, & and U+2028 in answers and errors as Go encoding/json did', async () => {
    const found = await fetch(
      `${base}/federation?type=name&q=${encodeURIComponent('tom&jerry*stellar.org')}`,
    );
    expect(found.status).toBe(200);
    expect(await found.text()).toBe(
      `{"stellar_address":"tom\\u0026jerry*stellar.org","account_id":"${account}",` +
        `"memo_type":"text","memo":"\\u003cb\\u003ehi\\u003c/b\\u003e \\u0026 \\u2028bye"}`,
    );
    const invalid = await fetch(`${base}/federation?type=${encodeURIComponent('<x>')}&q=a`);
    expect([invalid.status, await invalid.text()]).toEqual([
      400,
      `{"code":"invalid_request","message":"invalid type: '\\u003cx\\u003e'"}`,
    ]);
  });

  run('answers 405 to POST, HEAD and PUT on the lookup path (Go: a GET-only route)', async () => {
    for (const path of ['/federation', '/federation/']) {
      for (const method of ['POST', 'HEAD', 'PUT']) {
        const res = await fetch(`${base}${path}?type=name&q=alice*stellar.org`, { method });
        expect([method, res.status]).toEqual([method, 405]);
        expect(res.headers.get('allow')).toBe('GET, OPTIONS');
        expect(res.headers.get('access-control-allow-origin')).toBe('*');
        const text = await res.text();
        if (method !== 'HEAD') {
          expect(JSON.parse(text)).toEqual({
            code: 'method_not_allowed',
            message: 'Only GET is allowed here.',
          });
        }
      }
    }
    // GET still answers, and a CORS preflight is not a 405.
    expect((await fetch(`${base}/federation?type=name&q=alice*stellar.org`)).status).toBe(200);
    const preflight = await fetch(`${base}/federation`, {
      method: 'OPTIONS',
      headers: { Origin: 'https://wallet.example', 'Access-Control-Request-Method': 'GET' },
    });
    expect(preflight.status).toBe(204);
  });
});
