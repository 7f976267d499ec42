// Everything the compliance server keeps: auth data we sent (by request id),
// transactions we authorized (by memo), the allow lists, and the nonces senders
// used. The interface speaks the service's language; KnexComplianceStore is the
// one implementation (MySQL, PostgreSQL, SQLite).
import type { Knex } from 'knex';
import { isUniqueViolation, translateDatabaseError } from '@anchor/support';

/** Auth data we built and signed for one `/send` request id. */
export interface StoredAuthData {
  requestId: string;
  /** Domain of the receiving institution (whose stellar.toml has the AUTH_SERVER). */
  domain: string;
  /** The AuthData JSON text, re-sent verbatim on a retry. */
  authData: string;
}

/** A transaction the receiving side authorized (both statuses ok). */
export interface AuthorizedTransaction {
  /** Lower-cased domain of the sender's stellar address ('' when unknown, as in rows from before it was kept). */
  senderDomain?: string;
  transactionId: string;
  memo: string;
  transactionXdr: string;
  authorizedAt: Date;
  /** The raw AuthData JSON as received. */
  data: string;
}

export interface AllowedFi {
  name: string;
  domain: string;
  publicKey: string;
}

export interface AllowedUser {
  fiName: string;
  fiDomain: string;
  fiPublicKey: string;
  userId: string;
}

/** Authorizations never followed by a payment, in total and for the sender domains with most. */
export interface UnpaidAuthorizations {
  total: number;
  bySenderDomain: { senderDomain: string; unpaid: number }[];
}

/** Outcome of recording a nonce: first use, a repeat of the same data, or reuse with other data. */
export type NonceOutcome = 'new' | 'same_data' | 'different_data';

export interface ComplianceStore {
  findAuthData(requestId: string): Promise<StoredAuthData | undefined>;
  /** Inserts unless the request id exists; returns the row that is stored now. */
  insertAuthData(row: StoredAuthData): Promise<StoredAuthData>;
  recordNonce(senderDomain: string, nonce: string, dataHash: string, at: Date): Promise<NonceOutcome>;
  /** Idempotent by transaction id: a repeat of an authorized transaction is not stored twice. */
  insertAuthorizedTransaction(row: AuthorizedTransaction): Promise<void>;
  findAuthorizedTransactionByMemo(memo: string): Promise<AuthorizedTransaction | undefined>;
  /** Notes that the payment of the authorizations with this memo arrived (first time only). */
  markReceived(memo: string, at: Date): Promise<void>;
  /** Authorizations from before `authorizedBefore` with no payment yet; `limit` sender domains. */
  unpaidAuthorizations(authorizedBefore: Date, limit: number): Promise<UnpaidAuthorizations>;
  isFiAllowed(domain: string): Promise<boolean>;
  isUserAllowed(fiDomain: string, userId: string): Promise<boolean>;
  /** @returns false when an entry with the same domain or public key exists. */
  allowFi(fi: AllowedFi, at: Date): Promise<boolean>;
  /** @returns false when the institution's public key already has this user id. */
  allowUser(user: AllowedUser, at: Date): Promise<boolean>;
  removeFi(domain: string): Promise<void>;
  removeUser(fiDomain: string, userId: string): Promise<void>;
  ping(): Promise<void>;
}

interface AuthorizedTransactionRow {
  sender_domain: string;
  transaction_id: string;
  memo: string;
  transaction_xdr: string;
  authorized_at: Date | string;
  data: string;
}

export class KnexComplianceStore implements ComplianceStore {
  constructor(private readonly db: Knex) {}

  async findAuthData(requestId: string): Promise<StoredAuthData | undefined> {
    const row = await this.db('auth_data')
      .where({ request_id: requestId })
      .first('request_id', 'domain', 'auth_data')
      .catch(translateDatabaseError);
    return row ? { requestId: row.request_id, domain: row.domain, authData: row.auth_data } : undefined;
  }

  async insertAuthData(row: StoredAuthData): Promise<StoredAuthData> {
    try {
      await this.db('auth_data').insert({
        request_id: row.requestId,
        domain: row.domain,
        auth_data: row.authData,
      });
      return row;
    } catch (err) {
      if (!isUniqueViolation(err)) translateDatabaseError(err);
      const existing = await this.findAuthData(row.requestId);
      if (!existing) throw err;
      return existing;
    }
  }

  async recordNonce(senderDomain: string, nonce: string, dataHash: string, at: Date): Promise<NonceOutcome> {
    const domain = senderDomain.toLowerCase();
    try {
      // The common case is a new nonce: one insert, no read.
      await this.db('auth_nonce').insert({
        sender_domain: domain,
        nonce,
        data_hash: dataHash,
        first_seen_at: at,
      });
      return 'new';
    } catch (err) {
      if (!isUniqueViolation(err)) translateDatabaseError(err);
      // Seen before (a retry, a replay, or a concurrent twin): the row stored first decides.
      const first = (await this.db('auth_nonce')
        .where({ sender_domain: domain, nonce })
        .first('data_hash')
        .catch(translateDatabaseError)) as { data_hash: string } | undefined;
      if (!first) throw err;
      return first.data_hash === dataHash ? 'same_data' : 'different_data';
    }
  }

  async insertAuthorizedTransaction(row: AuthorizedTransaction): Promise<void> {
    try {
      await this.db('authorized_transaction').insert({
        sender_domain: row.senderDomain ?? '',
        transaction_id: row.transactionId,
        memo: row.memo,
        transaction_xdr: row.transactionXdr,
        authorized_at: row.authorizedAt,
        data: row.data,
      });
    } catch (err) {
      if (isUniqueViolation(err)) return;
      translateDatabaseError(err);
    }
  }

  async findAuthorizedTransactionByMemo(memo: string): Promise<AuthorizedTransaction | undefined> {
    const row = (await this.db('authorized_transaction')
      .where({ memo })
      .orderBy('id', 'asc')
      .first('sender_domain', 'transaction_id', 'memo', 'transaction_xdr', 'authorized_at', 'data')
      .catch(translateDatabaseError)) as AuthorizedTransactionRow | undefined;
    if (!row) return undefined;
    return {
      senderDomain: row.sender_domain,
      transactionId: row.transaction_id,
      memo: row.memo,
      transactionXdr: row.transaction_xdr,
      authorizedAt: row.authorized_at instanceof Date ? row.authorized_at : new Date(row.authorized_at),
      data: row.data,
    };
  }

  async markReceived(memo: string, at: Date): Promise<void> {
    await this.db('authorized_transaction')
      .where({ memo })
      .whereNull('received_at')
      .update({ received_at: at })
      .catch(translateDatabaseError);
  }

  async unpaidAuthorizations(authorizedBefore: Date, limit: number): Promise<UnpaidAuthorizations> {
    const unpaid = () =>
      this.db('authorized_transaction')
        .whereNull('received_at')
        .where('authorized_at', '<', authorizedBefore);
    const [totalRow, groups] = await Promise.all([
      unpaid().count({ n: '*' }).first(),
      unpaid()
        .select('sender_domain')
        .count({ n: '*' })
        .groupBy('sender_domain')
        .orderBy([{ column: 'n', order: 'desc' }, { column: 'sender_domain' }])
        .limit(limit),
    ]).catch(translateDatabaseError);
    return {
      total: Number((totalRow as { n: number | string } | undefined)?.n ?? 0),
      bySenderDomain: (groups as { sender_domain: string; n: number | string }[]).map((g) => ({
        senderDomain: g.sender_domain,
        unpaid: Number(g.n),
      })),
    };
  }

  async isFiAllowed(domain: string): Promise<boolean> {
    const row = await this.db('allowed_fi').where({ domain }).first('id').catch(translateDatabaseError);
    return row !== undefined;
  }

  async isUserAllowed(fiDomain: string, userId: string): Promise<boolean> {
    const row = await this.db('allowed_user')
      .where({ fi_domain: fiDomain, user_id: userId })
      .first('id')
      .catch(translateDatabaseError);
    return row !== undefined;
  }

  async allowFi(fi: AllowedFi, at: Date): Promise<boolean> {
    return this.insertUnlessDuplicate('allowed_fi', {
      name: fi.name,
      domain: fi.domain,
      public_key: fi.publicKey,
      allowed_at: at,
    });
  }

  async allowUser(user: AllowedUser, at: Date): Promise<boolean> {
    return this.insertUnlessDuplicate('allowed_user', {
      fi_name: user.fiName,
      fi_domain: user.fiDomain,
      fi_public_key: user.fiPublicKey,
      user_id: user.userId,
      allowed_at: at,
    });
  }

  async removeFi(domain: string): Promise<void> {
    await this.db('allowed_fi').where({ domain }).delete().catch(translateDatabaseError);
  }

  async removeUser(fiDomain: string, userId: string): Promise<void> {
    await this.db('allowed_user')
      .where({ fi_domain: fiDomain, user_id: userId })
      .delete()
      .catch(translateDatabaseError);
  }

  async ping(): Promise<void> {
    await this.db.raw('SELECT 1').catch(translateDatabaseError);
  }

  private async insertUnlessDuplicate(table: string, row: Record<string, unknown>): Promise<boolean> {
    try {
      await this.db(table).insert(row);
      return true;
    } catch (err) {
      if (isUniqueViolation(err)) return false;
      return translateDatabaseError(err);
    }
  }
}
