// pnpm bench:outbox — the delivery outbox draining to a loopback callback that answers 200, on
// each database (SQLite, and MariaDB/PostgreSQL when BENCH_MYSQL_URL / BENCH_POSTGRES_URL or the
// local defaults answer), with the default 8 slots. Three backlogs of BENCH_OUTBOX_ROWS each:
//  (1) first attempts only: the baseline;
//  (2) first attempts while as many retries wait, not yet due (the bank was down for hours and
//      came back: new payments must not pay for the old failures);
//  (3) retries only, all due (the backlog that built up while the bank was down).
// Prints deliveries per second side by side; (2) and (3) should be close to (1).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import axios from 'axios';
import type { Knex } from 'knex';
import { createKnex, createSilentLogger, migrateLatest } from '@anchor/support';
import { databaseLegs } from '@anchor/support/testing';
import { DeliveryService } from '../src/services/delivery.service.js';
import { migrations, MIGRATIONS_TABLE } from '../src/migrations/index.js';
import { KnexReceivedPaymentStore } from '../src/stores/received-payment.store.js';

const ROWS = Number(process.env.BENCH_OUTBOX_ROWS ?? 20_000);
const ACCOUNT = 'GAKSSROV6G4OTAPQ6HVDIMPBT5EVSX5273RKU45JFQAP5JUDQNA47HGK';
process.env.TEST_MYSQL_URL ??= process.env.BENCH_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';
process.env.TEST_POSTGRES_URL ??= process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432';

type Backlog = 'fresh' | 'fresh beside waiting retries' | 'due retries';

/** Queues `n` rows in `lane`, due now or in an hour. */
async function queue(db: Knex, from: number, n: number, lane: 'fresh' | 'retry', dueInMs: number) {
  const now = Date.now();
  const rows = Array.from({ length: n }, (_, i) => ({
    operation_id: String(from + i),
    transaction_id: `tx-${from + i}`,
    kind: 'receive',
    account_id: ACCOUNT,
    payload: JSON.stringify({ id: String(from + i), amount: '1', asset_code: 'USD', memo_type: 'none' }),
    status: 'pending',
    attempts: lane === 'fresh' ? 0 : 5,
    lane,
    next_attempt_ms: now + dueInMs,
    created_at: new Date(),
  }));
  for (let i = 0; i < rows.length; i += 400) await db('delivery_outbox').insert(rows.slice(i, i + 400));
}

/** Deliveries per second for one backlog on a fresh database. */
async function drain(
  url: { type: 'sqlite3' | 'mysql' | 'postgres'; url: string },
  callback: string,
  backlog: Backlog,
) {
  const db = createKnex(url);
  await migrateLatest(db, migrations, MIGRATIONS_TABLE);
  if (backlog === 'due retries') await queue(db, 1, ROWS, 'retry', -1_000);
  else await queue(db, 1, ROWS, 'fresh', 0);
  if (backlog === 'fresh beside waiting retries') await queue(db, ROWS + 1, ROWS, 'retry', 3_600_000);
  if (url.type === 'postgres') await db.raw('ANALYZE delivery_outbox');
  const service = new DeliveryService({
    store: new KnexReceivedPaymentStore(db),
    http: axios.create({ httpAgent: new http.Agent({ keepAlive: true }), validateStatus: () => true }),
    logger: createSilentLogger(),
    receiveUrl: callback,
    retryMinMs: 1_000,
    retryMaxMs: 300_000,
    concurrency: 8,
    callbackTimeoutMs: 60_000,
    failureLogPerMinute: 10,
  });
  const started = performance.now();
  service.addAccount(ACCOUNT);
  service.start();
  while (service.delivered < ROWS) await new Promise((r) => setTimeout(r, 5));
  const seconds = (performance.now() - started) / 1000;
  await service.stop();
  await db.destroy();
  return Math.round(ROWS / seconds);
}

async function main() {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => res.end('ok'));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const callback = `http://127.0.0.1:${(server.address() as AddressInfo).port}/receive`;
  console.log(`outbox drain, ${ROWS} deliveries per backlog, 8 slots, ${os.cpus().length} cores`);
  const table: Record<string, Record<Backlog, number>> = {};
  const backlogs: Backlog[] = ['fresh', 'fresh beside waiting retries', 'due retries'];
  for (const leg of databaseLegs()) {
    const row = {} as Record<Backlog, number>;
    try {
      for (const backlog of backlogs) {
        const database = await leg.create();
        try {
          row[backlog] = await drain(database, callback, backlog);
        } finally {
          await database.drop();
        }
      }
    } catch (err) {
      console.log(`${leg.type}: skipped (${String(err)})`);
      continue;
    }
    table[leg.type] = row;
    console.log(leg.type, row);
  }
  console.table(table);
  server.close();
}

void main();
