// The SEP-2 status matrix of the legacy server (reference §4.2, §7.11) on every
// database leg, a database outage and recovery, and interop with the real
// stellar-sdk federation client.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import type { Knex } from 'knex';
import { createKnex, createSilentLogger } from '@anchor/support';
import { databaseLegs, type TestDatabase } from '@anchor/support/testing';
import { createApp } from '../src/app.js';
import { FederationService } from '../src/services/federation.service.js';
import { KnexAccountStore } from '../src/stores/account.store.js';
import { loadSampleData, SAMPLE_QUERIES, sampleAccountId } from '../src/sample/sample-data.js';

const FORWARD_QUERY = 'SELECT account_id AS id, memo_type, memo FROM bank_accounts WHERE acct = :acct';

async function createForwardTable(db: Knex): Promise<void> {
  await db.schema.createTable('bank_accounts', (t) => {
    t.string('acct', 32).primary();
    t.string('account_id', 56);
    t.string('memo_type', 8);
    t.string('memo', 64);
  });
  await db('bank_accounts').insert([
    { acct: '1234', account_id: sampleAccountId('fwd'), memo_type: 'id', memo: '1' },
    { acct: '4321', account_id: sampleAccountId('fwd'), memo_type: 'text', memo: 'test' },
  ]);
}

function appFor(db: Knex, queries: { federation: string; reverse?: string; forward?: string }) {
  return createApp({
    service: new FederationService(new KnexAccountStore(db, queries)),
    logger: createSilentLogger(),
  });
}

describe.each(databaseLegs())('federation on $type', (leg) => {
  let database: TestDatabase;
  let db: Knex;
  let app: ReturnType<typeof createApp>;
  const receiving = sampleAccountId('stellar.org:receiving');
  const carol = sampleAccountId('stellar.org:carol');

  beforeAll(async () => {
    if (leg.unavailable) return;
    database = await leg.create();
    db = createKnex(database);
    await loadSampleData(db, 'stellar.org');
    await createForwardTable(db);
    app = appFor(db, { ...SAMPLE_QUERIES, forward: FORWARD_QUERY });
  });
  afterAll(async () => {
    await db?.destroy();
    await database?.drop();
  });

  const run = it.skipIf(leg.unavailable);

  run('resolves a name with its memo as a string and the stellar address', async () => {
    const res = await request(app).get('/federation').query({ type: 'name', q: 'alice*stellar.org' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      stellar_address: 'alice*stellar.org',
      account_id: receiving,
      memo_type: 'id',
      memo: '1001',
    });
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['content-type']).toMatch(/^application\/json/);
  });

  run('accepts SEP-2 names with @ and + and omits memo fields when there is no memo', async () => {
    const maria = await request(app)
      .get('/federation')
      .query({ type: 'name', q: 'maria@gmail.com*stellar.org' });
    expect(maria.body).toMatchObject({ memo_type: 'text', memo: 'maria' });
    const res = await request(app).get('/federation/').query({ type: 'name', q: 'carol*stellar.org' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ stellar_address: 'carol*stellar.org', account_id: carol });
  });

  run(
    'matches the domain case-insensitively and answers it lower case (issue 13: B1*BANK-B.TEST)',
    async () => {
      // Sample rows are stored lower case; the query compares the domain with `=`.
      const res = await request(app).get('/federation').query({ type: 'name', q: 'alice*STELLAR.Org' });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        stellar_address: 'alice*stellar.org',
        account_id: receiving,
        memo_type: 'id',
        memo: '1001',
      });
    },
  );

  run(
    'passes the name part unchanged, so a bank query with LOWER(?) makes names case-insensitive',
    async () => {
      const exact = await request(app).get('/federation').query({ type: 'name', q: 'CAROL*stellar.org' });
      // MySQL's default collation ignores case; SQLite and PostgreSQL compare bytes.
      expect(exact.status).toBe(leg.type === 'mysql' ? 200 : 404);
      const lowering = appFor(db, {
        federation: SAMPLE_QUERIES.federation.replace('name = ?', 'name = LOWER(?)'),
      });
      const res = await request(lowering).get('/federation').query({ type: 'name', q: 'CAROL*Stellar.ORG' });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ stellar_address: 'CAROL*stellar.org', account_id: carol });
    },
  );

  run('answers 404 not_found for unknown names and unknown domains', async () => {
    for (const q of ['jed*stellar.org', 'alice*example.com']) {
      const res = await request(app).get('/federation').query({ type: 'name', q });
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ code: 'not_found', message: 'Account not found' });
      expect(res.headers['access-control-allow-origin']).toBe('*');
    }
  });

  run('answers 400 invalid_query for malformed addresses', async () => {
    for (const q of [
      'alice**stellar.org',
      'alice',
      'ali ce*stellar.org',
      '*stellar.org',
      'alice*bad_domain!',
    ]) {
      const res = await request(app).get('/federation').query({ type: 'name', q });
      expect(res.status, q).toBe(400);
      expect(res.body.code).toBe('invalid_query');
    }
  });

  run('answers 400 invalid_request for a blank q and for an unknown type', async () => {
    const blank = await request(app).get('/federation').query({ type: 'name', q: '' });
    expect(blank.status).toBe(400);
    expect(blank.body).toEqual({ code: 'invalid_request', message: 'q parameter is blank' });
    const missing = await request(app).get('/federation').query({ type: 'name' });
    expect(missing.body.code).toBe('invalid_request');
    const foo = await request(app).get('/federation').query({ type: 'foo', q: 'x' });
    expect(foo.status).toBe(400);
    expect(foo.body).toEqual({ code: 'invalid_request', message: "invalid type: 'foo'" });
  });

  run('resolves an account id back to its address, 404 when unknown', async () => {
    const res = await request(app).get('/federation').query({ type: 'id', q: carol });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ stellar_address: 'carol*stellar.org', account_id: carol });
    const unknown = await request(app)
      .get('/federation')
      .query({ type: 'id', q: sampleAccountId('nobody') });
    expect(unknown.status).toBe(404);
  });

  run('answers 501 for txid, and for id and forward when no query is configured', async () => {
    const txid = await request(app).get('/federation').query({ type: 'txid', q: 'abc' });
    expect(txid.status).toBe(501);
    expect(txid.body).toEqual({ code: 'not_implemented', message: 'txid type queries are not supported' });
    const bare = appFor(db, { federation: SAMPLE_QUERIES.federation });
    expect((await request(bare).get('/federation').query({ type: 'id', q: carol })).status).toBe(501);
    expect((await request(bare).get('/federation').query({ type: 'forward', acct: '1234' })).status).toBe(
      501,
    );
  });

  run('resolves forward requests from bound query parameters', async () => {
    const one = await request(app)
      .get('/federation')
      .query({ type: 'forward', forward_type: 'bank_account', swift: 'BOPBPHMM', acct: '1234' });
    expect(one.body).toEqual({ account_id: sampleAccountId('fwd'), memo_type: 'id', memo: '1' });
    const text = await request(app).get('/federation').query({ type: 'forward', acct: '4321' });
    expect(text.body).toMatchObject({ memo_type: 'text', memo: 'test' });
    expect((await request(app).get('/federation').query({ type: 'forward', acct: '9' })).status).toBe(404);
    const blank = await request(app).get('/federation').query({ type: 'forward' });
    expect(blank.body).toEqual({ code: 'invalid_request', message: 'acct parameter is blank' });
  });

  run('treats SQL in the query as data, never as SQL', async () => {
    const res = await request(app).get('/federation').query({ type: 'name', q: "x'OR'1'='1*stellar.org" });
    expect(res.status).toBe(404);
  });

  run('counts lookups in /metrics and serves health from the database', async () => {
    await request(app).get('/federation').query({ type: 'name', q: 'alice*stellar.org' });
    const metrics = await request(app).get('/metrics');
    expect(metrics.text).toMatch(
      /http_request_duration_seconds_count\{method="GET",route="\/federation",status="200"\} [1-9]/,
    );
    expect((await request(app).get('/health')).body).toMatchObject({
      status: 'ok',
      checks: { database: 'ok' },
    });
    expect((await request(app).post('/federation')).status).toBe(405);
  });

  run('answers CORS preflight', async () => {
    const res = await request(app)
      .options('/federation')
      .set('Origin', 'https://wallet.example')
      .set('Access-Control-Request-Method', 'GET');
    expect(res.status).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe('*');
  });
});

/** A TCP relay we can cut and restore, standing in for a database server that goes away. */
async function startRelay(targetPort: number) {
  const sockets = new Set<net.Socket>();
  let server: net.Server | undefined;
  let port = 0;
  const open = () =>
    new Promise<void>((resolve) => {
      server = net.createServer((client) => {
        const upstream = net.connect(targetPort, '127.0.0.1');
        sockets.add(client).add(upstream);
        client.pipe(upstream).pipe(client);
        const drop = () => {
          client.destroy();
          upstream.destroy();
        };
        client.on('error', drop).on('close', drop);
        upstream.on('error', drop).on('close', drop);
      });
      server.listen(port, '127.0.0.1', () => {
        port = (server!.address() as net.AddressInfo).port;
        resolve();
      });
    });
  await open();
  return {
    get port() {
      return port;
    },
    cut: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        sockets.clear();
        server!.close(() => resolve());
      }),
    restore: open,
  };
}

const [mysqlLeg] = databaseLegs(['mysql']);
describe.skipIf(mysqlLeg!.unavailable)('federation when MySQL goes away', () => {
  it('answers 503 JSON without SQL text while it is down and recovers when it returns', async () => {
    const database = await mysqlLeg!.create();
    const setup = createKnex(database);
    await loadSampleData(setup, 'stellar.org');
    await setup.destroy();
    const url = new URL(database.url);
    const relay = await startRelay(Number(url.port || 3306));
    url.port = String(relay.port);
    const db = createKnex({ type: 'mysql', url: url.toString() });
    const app = appFor(db, SAMPLE_QUERIES);
    try {
      expect(
        (await request(app).get('/federation').query({ type: 'name', q: 'alice*stellar.org' })).status,
      ).toBe(200);
      await relay.cut();
      const down = await request(app).get('/federation').query({ type: 'name', q: 'alice*stellar.org' });
      expect(down.status).toBe(503);
      expect(down.body).toEqual({
        code: 'database_unavailable',
        message: 'The database is unavailable, please try again.',
      });
      expect(down.text).not.toMatch(/SELECT|federation_accounts/);
      expect((await request(app).get('/health')).status).toBe(503);
      await relay.restore();
      let back = await request(app).get('/federation').query({ type: 'name', q: 'alice*stellar.org' });
      // The pool may hand out one connection that died with the relay; the next one is fresh.
      if (back.status !== 200)
        back = await request(app).get('/federation').query({ type: 'name', q: 'alice*stellar.org' });
      expect(back.status).toBe(200);
    } finally {
      await relay.cut();
      await db.destroy();
      await database.drop();
    }
  });
});
