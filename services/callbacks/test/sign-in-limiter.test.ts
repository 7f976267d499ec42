// The console sign-in limiter (issue 13 finding 8): a forged X-Forwarded-For no
// longer buys fresh attempts, an address that failed often does not lock the
// right password out for another account, waits grow and end, and the failure
// map stays bounded however many addresses try.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { databaseLegs } from '@anchor/support/testing';
import { SignInLimiter } from '../src/services/sign-in-limiter.js';
import { OPERATOR_PASSWORD, startHarness, type Harness } from './helpers.js';

const sqlite = databaseLegs(['sqlite3'])[0]!;

/** One sign-in attempt with a fresh form, optionally claiming a forwarded address. */
async function attempt(h: Harness, password: string, forwardedFor?: string) {
  const agent = request.agent(h.app);
  const form = await agent.get('/console/login');
  const csrf = /name="csrf" value="([^"]+)"/.exec(form.text)?.[1] ?? '';
  const post = agent.post('/console/login').type('form');
  if (forwardedFor) post.set('X-Forwarded-For', forwardedFor);
  return post.send({ csrf, password });
}

describe('sign-in over HTTP', () => {
  let direct: Harness;
  let proxied: Harness;
  beforeAll(async () => {
    // Waits long enough that the next attempt surely falls inside them (no timing assumed).
    const signInLimits = { baseDelayMs: 10 * 60 * 1000 };
    direct = await startHarness(sqlite, 600, { signInLimits });
    proxied = await startHarness(sqlite, 600, { trustedProxies: ['loopback'], signInLimits });
  });
  afterAll(async () => {
    await direct?.close();
    await proxied?.close();
  });

  it('ignores X-Forwarded-For by default: rotating it does not buy more attempts', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++)
      statuses.push((await attempt(direct, 'not the password', `203.0.113.${i + 1}`)).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 401, 429]);
    const refused = await attempt(direct, OPERATOR_PASSWORD, '198.51.100.9');
    expect(refused.status).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('behind a trusted proxy, the per-account limit still catches forwarded-address rotation', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 22; i++)
      statuses.push((await attempt(proxied, 'not the password', `203.0.113.${i + 1}`)).status);
    expect(statuses.slice(0, 20).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(20)).toEqual([401, 429]);
  });
});

describe('SignInLimiter', () => {
  function clocked() {
    let now = 1_000_000;
    return {
      limiter: new SignInLimiter({}, () => now),
      advance: (ms: number) => (now += ms),
    };
  }

  it('an address locked for one account does not lock another account from it', () => {
    const { limiter } = clocked();
    for (let i = 0; i < 6; i++) limiter.recordFailure('alice', '192.0.2.1');
    expect(limiter.retryAfterMs('alice', '192.0.2.1')).toBeGreaterThan(0);
    expect(limiter.retryAfterMs('bob', '192.0.2.1')).toBe(0);
    expect(limiter.retryAfterMs('alice', '192.0.2.2')).toBe(0);
  });

  it('waits double per failure, are capped, and end; a success starts the pair afresh', () => {
    const { limiter, advance } = clocked();
    const waits: number[] = [];
    for (let i = 0; i < 16; i++) {
      limiter.recordFailure('operator', '192.0.2.1');
      waits.push(limiter.retryAfterMs('operator', '192.0.2.1'));
    }
    expect(waits.slice(0, 5)).toEqual([0, 0, 0, 0, 0]);
    expect(waits.slice(5, 8)).toEqual([1_000, 2_000, 4_000]);
    expect(waits[15]).toBe(15 * 60 * 1000);
    advance(15 * 60 * 1000);
    expect(limiter.retryAfterMs('operator', '192.0.2.1')).toBe(0);
    limiter.recordSuccess('operator', '192.0.2.1');
    limiter.recordFailure('operator', '192.0.2.1');
    expect(limiter.retryAfterMs('operator', '192.0.2.1')).toBe(0);
  });

  it('keeps a bounded map however many addresses fail', () => {
    const limiter = new SignInLimiter({ maxEntries: 100 });
    for (let i = 0; i < 5_000; i++) limiter.recordFailure(`account-${i % 7}`, `10.0.${i >> 8}.${i & 255}`);
    expect(limiter.size).toBeLessThanOrEqual(100);
  });
});
