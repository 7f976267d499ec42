// Operator sign-in for the console. The password is compared in constant time
// (over SHA-256 digests, so the length leaks nothing either); a session is a
// random token kept in the cookie whose SHA-256 is the database key, with its
// own CSRF token. Repeated failures are slowed down by a SignInLimiter, per
// account and per (account, address).
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { OperatorSession, SessionsStore } from '../stores/sessions.store.js';
import { nowIso } from '../stores/time.js';
import type { SignInLimiter } from './sign-in-limiter.js';

export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;
/** The console has one account, the operator; the limiter keys on it. */
const OPERATOR_ACCOUNT = 'operator';

function sha256(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

export class OperatorService {
  private readonly passwordDigest: Buffer;

  constructor(
    password: string,
    private readonly sessions: SessionsStore,
    private readonly limiter: SignInLimiter,
  ) {
    this.passwordDigest = sha256(password);
  }

  /** Milliseconds `client` must wait before trying again (answer 429 without checking); 0 = go ahead. */
  retryAfterMs(client: string): number {
    return this.limiter.retryAfterMs(OPERATOR_ACCOUNT, client);
  }

  /** A new session token when `password` is right, else undefined. */
  async signIn(password: string, client: string): Promise<string | undefined> {
    if (!timingSafeEqual(sha256(password), this.passwordDigest)) {
      this.limiter.recordFailure(OPERATOR_ACCOUNT, client);
      return undefined;
    }
    this.limiter.recordSuccess(OPERATOR_ACCOUNT, client);
    const token = randomBytes(32).toString('base64url');
    const now = Date.now();
    await this.sessions.deleteExpired(new Date(now).toISOString());
    await this.sessions.create({
      id: sha256(token).toString('hex'),
      csrf_token: randomBytes(24).toString('base64url'),
      created_at: new Date(now).toISOString(),
      expires_at: new Date(now + SESSION_TTL_MS).toISOString(),
    });
    return token;
  }

  /** The live session of `token`, if any. */
  session(token: string | undefined): Promise<OperatorSession | undefined> {
    if (!token) return Promise.resolve(undefined);
    return this.sessions.find(sha256(token).toString('hex'), nowIso());
  }

  async signOut(token: string | undefined): Promise<void> {
    if (token) await this.sessions.delete(sha256(token).toString('hex'));
  }
}

/** Constant-time comparison of two CSRF tokens. */
export function sameToken(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
