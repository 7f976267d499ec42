import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { Asset, Operation, xdr } from '@stellar/stellar-sdk';
import { buildTx, funded, startNet, type Ctx } from './helpers.js';

let ctx: Ctx;
beforeAll(async () => {
  ctx = await startNet();
});
afterAll(async () => {
  await ctx.net.close();
});

/** Deterministic PRNG so a failing case can be replayed. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

async function postTx(url: string, body: string, endpoint = '/transactions_async'): Promise<Response> {
  return fetch(`${url}${endpoint}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body,
  });
}

describe('bad input never crashes the server', () => {
  it('answers 4xx problem JSON to mutated, truncated and random envelopes', async () => {
    const [a, b] = [await funded(ctx), await funded(ctx)];
    const valid = (
      await buildTx(ctx, a, [
        Operation.payment({ destination: b.publicKey(), asset: Asset.native(), amount: '1' }),
      ])
    )
      .toEnvelope()
      .toXDR();
    const rand = rng(42);
    const cases: string[] = [];
    for (let i = 0; i < 150; i++) {
      const buf = Buffer.from(valid);
      const flips = 1 + Math.floor(rand() * 4);
      for (let f = 0; f < flips; f++) buf[Math.floor(rand() * buf.length)]! ^= 1 << Math.floor(rand() * 8);
      cases.push(`tx=${encodeURIComponent(buf.toString('base64'))}`);
    }
    for (let i = 0; i < 40; i++) {
      cases.push(
        `tx=${encodeURIComponent(valid.subarray(0, Math.floor(rand() * valid.length)).toString('base64'))}`,
      );
    }
    for (let i = 0; i < 40; i++) {
      const junk = Buffer.from(
        Array.from({ length: Math.floor(rand() * 300) }, () => Math.floor(rand() * 256)),
      );
      cases.push(`tx=${encodeURIComponent(junk.toString('base64'))}`, junk.toString('latin1'));
    }
    cases.push('', 'tx', 'tx=%', 'tx=====', `tx=${'A'.repeat(200_000)}`);
    for (const body of cases) {
      const res = await postTx(ctx.net.url, body);
      // A mutation can leave a valid envelope (e.g. a flipped memo byte): then it is a real
      // submission with a real answer, never a crash.
      expect([201, 400, 409, 413, 503]).toContain(res.status);
      const json = (await res.json()) as Record<string, unknown>;
      if (res.status >= 400 && res.status !== 409 && res.status !== 503 && !('tx_status' in json)) {
        expect(json.type).toMatch(/^https:\/\/stellar\.org\/horizon-errors\//);
        expect(json.status).toBe(res.status);
      }
    }
    expect((await ctx.server.loadAccount(a.publicKey())).accountId()).toBe(a.publicKey());
  });

  it('answers the synchronous POST /transactions with 4xx problem JSON for mutated, truncated and random envelopes', async () => {
    const [a, b] = [await funded(ctx), await funded(ctx)];
    const payment = Operation.payment({ destination: b.publicKey(), asset: Asset.native(), amount: '1' });
    const valid = (await buildTx(ctx, a, [payment])).toEnvelope().toXDR();
    const seqBefore = (await ctx.server.loadAccount(a.publicKey())).sequence;
    const rand = rng(2024);
    const cases: string[] = [];
    for (let i = 0; i < 80; i++) {
      const buf = Buffer.from(valid);
      const flips = 1 + Math.floor(rand() * 4);
      for (let f = 0; f < flips; f++) buf[Math.floor(rand() * buf.length)]! ^= 1 << Math.floor(rand() * 8);
      cases.push(`tx=${encodeURIComponent(buf.toString('base64'))}`);
    }
    for (let i = 0; i < 25; i++) {
      const cut = valid.subarray(0, Math.floor(rand() * valid.length));
      cases.push(`tx=${encodeURIComponent(cut.toString('base64'))}`);
    }
    for (let i = 0; i < 25; i++) {
      const junk = Buffer.from(
        Array.from({ length: Math.floor(rand() * 300) }, () => Math.floor(rand() * 256)),
      );
      cases.push(`tx=${encodeURIComponent(junk.toString('base64'))}`, junk.toString('latin1'));
    }
    cases.push('', 'tx', 'tx=%', 'tx=====', `tx=${'A'.repeat(200_000)}`, `tx=${'A'.repeat(300_000)}`);

    const started = Date.now();
    const seen = new Map<string, number>();
    for (const body of cases) {
      const res = await postTx(ctx.net.url, body, '/transactions');
      const where = JSON.stringify(body.slice(0, 60));
      // Every flipped bit changes the signed payload or the signature, so no mutation can succeed,
      // and every rejection happens before any ledger closes: never 200, never a 504 wait.
      expect([400, 413], where).toContain(res.status);
      expect(res.headers.get('content-type'), where).toMatch(/^application\/problem\+json/);
      const json = (await res.json()) as {
        type: string;
        status: number;
        extras?: { envelope_xdr?: string; result_codes?: { transaction: string }; result_xdr?: string };
      };
      expect(json.status, where).toBe(res.status);
      const type = json.type.replace('https://stellar.org/horizon-errors/', '');
      seen.set(type, (seen.get(type) ?? 0) + 1);
      if (type === 'transaction_failed') {
        // A decodable mutation is a real submission with a real rejection.
        expect(json.extras?.result_codes?.transaction, where).toMatch(/^tx_/);
        expect(() => xdr.TransactionResult.fromXDR(json.extras!.result_xdr!, 'base64'), where).not.toThrow();
      } else if (type === 'transaction_malformed') {
        expect(json.extras, where).toEqual({ envelope_xdr: expect.any(String) as unknown });
      } else {
        expect(`${res.status} ${type}`, where).toBe('413 request_entity_too_large');
      }
    }
    // Both kinds occurred, so the fuzz exercised decoding and validation alike.
    expect(seen.get('transaction_malformed')).toBeGreaterThan(20);
    expect(seen.get('transaction_failed')).toBeGreaterThan(5);
    expect(Date.now() - started).toBeLessThan(15_000);

    // The server keeps serving: nothing was applied, and the unmutated envelope still goes through.
    expect((await ctx.server.loadAccount(a.publicKey())).sequence).toBe(seqBefore);
    const ok = await postTx(
      ctx.net.url,
      `tx=${encodeURIComponent(valid.toString('base64'))}`,
      '/transactions',
    );
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { successful: boolean }).successful).toBe(true);
  }, 30_000);

  it('answers 4xx problem JSON to random query strings on every GET route', async () => {
    const kp = await funded(ctx);
    const tx = await ctx.server.transactions().order('desc').limit(1).call();
    const hash = tx.records[0]!.hash;
    const op = (await ctx.server.operations().order('desc').limit(1).call()).records[0]!.id;
    const routes = [
      '/',
      '/ledgers',
      '/ledgers/2',
      '/ledgers/2/transactions',
      '/ledgers/2/operations',
      '/ledgers/2/payments',
      '/ledgers/2/effects',
      '/transactions',
      `/transactions/${hash}`,
      `/transactions/${hash}/operations`,
      `/transactions/${hash}/payments`,
      `/transactions/${hash}/effects`,
      '/operations',
      `/operations/${op}`,
      `/operations/${op}/effects`,
      '/payments',
      '/effects',
      `/accounts/${kp.publicKey()}`,
      `/accounts/${kp.publicKey()}/transactions`,
      `/accounts/${kp.publicKey()}/operations`,
      `/accounts/${kp.publicKey()}/payments`,
      `/accounts/${kp.publicKey()}/effects`,
      `/accounts/${kp.publicKey()}/data/x`,
      '/fee_stats',
      '/friendbot',
      '/accounts/NOTANACCOUNT',
      '/transactions/zz',
      '/operations/abc',
      '/ledgers/-1',
      '/nope/nope',
      '/%E0%A4%A',
    ];
    const rand = rng(7);
    const keys = ['cursor', 'limit', 'order', 'include_failed', 'join', 'addr', 'x'];
    const values = [
      '',
      'now',
      '-1',
      '0',
      '201',
      '10',
      'asc',
      'desc',
      'true',
      'maybe',
      '99999999999999999999999',
      '12-3',
      '%zz',
      'transactions',
      '1e3',
      'ﬃ',
    ];
    for (const route of routes) {
      for (let i = 0; i < 12; i++) {
        const qs = Array.from({ length: 1 + Math.floor(rand() * 3) }, () => {
          const k = keys[Math.floor(rand() * keys.length)]!;
          const v = values[Math.floor(rand() * values.length)]!;
          return `${k}=${v}`;
        }).join('&');
        const res = await fetch(`${ctx.net.url}${route}?${qs}`);
        expect(res.status, `${route}?${qs}`).toBeLessThan(500);
        const json = (await res.json()) as Record<string, unknown>;
        if (res.status >= 400)
          expect(json.type, `${route}?${qs}`).toMatch(/^https:\/\/stellar\.org\/horizon-errors\//);
      }
    }
    expect((await fetch(`${ctx.net.url}/`)).status).toBe(200);
  });
});

describe('snapshot', () => {
  it('restores accounts, balances and sequence numbers after a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'localnet-snap-'));
    const file = join(dir, 'state.json');
    try {
      const first = await startNet({ snapshotFile: file });
      const [a, b] = [await funded(first), await funded(first)];
      const res = await first.server.submitTransaction(
        await buildTx(first, a, [
          Operation.payment({ destination: b.publicKey(), asset: Asset.native(), amount: '5' }),
          Operation.manageData({ name: 'k', value: 'v' }),
        ]),
        { skipMemoRequiredCheck: true },
      );
      const before = await first.server.loadAccount(a.publicKey());
      await first.net.close();

      const second = await startNet({ snapshotFile: file });
      try {
        const after = await second.server.loadAccount(a.publicKey());
        expect(after.sequence).toBe(before.sequence);
        expect(after.balances).toEqual(before.balances);
        expect(after.data_attr).toEqual({ k: Buffer.from('v').toString('base64') });
        expect(second.net.latestLedger()).toBeGreaterThanOrEqual(res.ledger);
        // The restored account keeps transacting.
        const again = await second.server.submitTransaction(
          await buildTx(second, a, [
            Operation.payment({ destination: b.publicKey(), asset: Asset.native(), amount: '1' }),
          ]),
          { skipMemoRequiredCheck: true },
        );
        expect(again.successful).toBe(true);
        expect(again.ledger).toBeGreaterThan(res.ledger);
        await expect(startNet({ snapshotFile: file, networkPassphrase: 'other', port: 0 })).rejects.toThrow(
          /belongs to network/,
        );
      } finally {
        await second.net.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('CLI', () => {
  it('describes every option in --help', () => {
    const out = execFileSync(
      process.execPath,
      [fileURLToPath(new URL('../bin/localnet.js', import.meta.url)), '--help'],
      { encoding: 'utf8' },
    );
    for (const opt of [
      '--port',
      '--host',
      '--close-interval',
      '--network-passphrase',
      '--snapshot',
      '--friendbot-amount',
      '--submit-timeout',
      '--max-ops-per-ledger',
      '--log-level',
    ]) {
      expect(out).toContain(opt);
    }
  });
});
