// Operator console sessions. Only a hash of the session token is stored.
import type { Knex } from 'knex';
import { translateDatabaseError } from '@anchor/support';

export interface OperatorSession {
  id: string;
  csrf_token: string;
  expires_at: string;
}

export interface SessionsStore {
  create(session: OperatorSession & { created_at: string }): Promise<void>;
  find(id: string, now: string): Promise<OperatorSession | undefined>;
  delete(id: string): Promise<void>;
  deleteExpired(now: string): Promise<void>;
}

export class KnexSessionsStore implements SessionsStore {
  constructor(private readonly db: Knex) {}

  async create(session: OperatorSession & { created_at: string }): Promise<void> {
    await this.db('operator_sessions').insert(session).catch(translateDatabaseError);
  }

  async find(id: string, now: string): Promise<OperatorSession | undefined> {
    try {
      const row = await this.db('operator_sessions')
        .where({ id })
        .andWhere('expires_at', '>', now)
        .select('id', 'csrf_token', 'expires_at')
        .first();
      return row as OperatorSession | undefined;
    } catch (err) {
      return translateDatabaseError(err);
    }
  }

  async delete(id: string): Promise<void> {
    await this.db('operator_sessions').where({ id }).delete().catch(translateDatabaseError);
  }

  async deleteExpired(now: string): Promise<void> {
    await this.db('operator_sessions').where('expires_at', '<=', now).delete().catch(translateDatabaseError);
  }
}
