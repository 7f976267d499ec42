// One listener per receiving account across replicas. MySQL/MariaDB: GET_LOCK
// held on a dedicated connection; PostgreSQL: a session advisory lock on a
// dedicated connection. Either is released by the server when the holding
// process dies (its connection drops), so another replica takes over. SQLite
// (single host): a lease row with an expiry the holder keeps renewing.
import { createHash, randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { isSqlite, isUniqueViolation, rawRows } from '@anchor/support';

export interface LockHandle {
  /** True while the lock is still ours (renews a lease). */
  check(): Promise<boolean>;
  release(): Promise<void>;
}

export interface AccountLock {
  /** Takes the lock for `accountId` without waiting; undefined when another process holds it. */
  tryAcquire(accountId: string): Promise<LockHandle | undefined>;
}

function dialect(db: Knex): 'mysql' | 'postgres' | 'sqlite' {
  if (isSqlite(db)) return 'sqlite';
  const client = (db.client as { config?: { client?: unknown } }).config?.client;
  return client === 'pg' || client === 'postgres' || client === 'postgresql' ? 'postgres' : 'mysql';
}

export function createAccountLock(db: Knex, options: { leaseMs: number }): AccountLock {
  switch (dialect(db)) {
    case 'mysql':
      return new ConnectionLock(db, 'mysql');
    case 'postgres':
      return new ConnectionLock(db, 'postgres');
    case 'sqlite':
      return new LeaseLock(db, options.leaseMs);
  }
}

type RawConnection = unknown;

class ConnectionLock implements AccountLock {
  constructor(
    private readonly db: Knex,
    private readonly kind: 'mysql' | 'postgres',
  ) {}

  async tryAcquire(accountId: string): Promise<LockHandle | undefined> {
    const client = this.db.client as {
      acquireConnection(): Promise<RawConnection>;
      releaseConnection(c: RawConnection): Promise<void>;
    };
    const conn = await client.acquireConnection();
    const raw = (sql: string, bindings: readonly unknown[]) =>
      this.db.raw(sql, bindings as Knex.RawBinding[]).connection(conn as never);
    let released = false;
    const giveBack = async () => {
      if (released) return;
      released = true;
      await client.releaseConnection(conn).catch(() => undefined);
    };
    try {
      if (this.kind === 'mysql') {
        const dbName = String(rawRows(await raw('SELECT DATABASE() AS db', []))[0]?.db ?? '');
        const name = `bridge_${createHash('sha256').update(`${dbName}:${accountId}`).digest('hex').slice(0, 48)}`;
        const got = Number(rawRows(await raw('SELECT GET_LOCK(?, 0) AS got', [name]))[0]?.got);
        if (got !== 1) {
          await giveBack();
          return undefined;
        }
        return {
          check: async () => {
            if (released) return false;
            try {
              const r = rawRows(await raw('SELECT IS_USED_LOCK(?) = CONNECTION_ID() AS mine', [name]));
              return Number(r[0]?.mine) === 1;
            } catch {
              return false;
            }
          },
          release: async () => {
            if (released) return;
            await raw('SELECT RELEASE_LOCK(?)', [name]).catch(() => undefined);
            await giveBack();
          },
        };
      }
      const key = createHash('sha256')
        .update(`bridge-listener:${accountId}`)
        .digest()
        .readBigInt64BE(0)
        .toString();
      const got = rawRows(await raw('SELECT pg_try_advisory_lock(?::bigint) AS got', [key]))[0]?.got;
      if (got !== true) {
        await giveBack();
        return undefined;
      }
      return {
        check: async () => {
          if (released) return false;
          try {
            const r = rawRows(
              await raw(
                "SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND granted",
                [],
              ),
            );
            return Number(r[0]?.n) > 0;
          } catch {
            return false;
          }
        },
        release: async () => {
          if (released) return;
          await raw('SELECT pg_advisory_unlock(?::bigint)', [key]).catch(() => undefined);
          await giveBack();
        },
      };
    } catch (err) {
      await giveBack();
      throw err;
    }
  }
}

class LeaseLock implements AccountLock {
  private readonly holder = randomUUID();
  constructor(
    private readonly db: Knex,
    private readonly leaseMs: number,
  ) {}

  private async take(accountId: string): Promise<boolean> {
    const now = Date.now();
    const updated = await this.db('listener_lease')
      .where({ account_id: accountId })
      .andWhere((q) => q.where({ holder: this.holder }).orWhere('expires_ms', '<', now))
      .update({ holder: this.holder, expires_ms: now + this.leaseMs });
    if (updated > 0) return true;
    try {
      await this.db('listener_lease').insert({
        account_id: accountId,
        holder: this.holder,
        expires_ms: now + this.leaseMs,
      });
      return true;
    } catch (err) {
      if (isUniqueViolation(err)) return false;
      throw err;
    }
  }

  async tryAcquire(accountId: string): Promise<LockHandle | undefined> {
    if (!(await this.take(accountId))) return undefined;
    let released = false;
    return {
      check: async () => !released && (await this.take(accountId).catch(() => false)),
      release: async () => {
        released = true;
        await this.db('listener_lease').where({ account_id: accountId, holder: this.holder }).delete();
      },
    };
  }
}
