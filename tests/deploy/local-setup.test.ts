// The compose `local` profile's setup job, run as its own process against a real
// localnet, twice (compose runs it on every `up`): the accounts the bridges need
// exist, bank A holds the USD float once, and bank B can receive it.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Asset, Keypair } from '@stellar/stellar-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { start, type Localnet } from '@anchor/localnet';
import { balanceOf } from '@anchor/tools';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'packages/tools/bin/anchor-local-setup.js');
const setupEnv = Object.fromEntries(
  readFileSync(join(ROOT, 'docker/local-setup.env'), 'utf8')
    .split('\n')
    .filter((l) => /^[A-Z_]+=/.test(l))
    .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
);

describe('anchor-local-setup', () => {
  let localnet: Localnet;
  beforeAll(async () => {
    localnet = await start({ port: 0, closeIntervalMs: 200, logLevel: 'warn' });
  });
  afterAll(() => localnet?.close());

  it('prepares the local network from the development seeds, and a second run changes nothing', async () => {
    const env = { ...process.env, ...setupEnv, HORIZON_URL: localnet.url };
    const key = (name: string) => Keypair.fromSecret(setupEnv[name] as string).publicKey();
    const usd = new Asset('USD', key('LOCAL_USD_ISSUER_SEED'));
    await run(process.execPath, [BIN], { env });
    expect(await balanceOf(localnet.url, key('BANK_A_BASE_SEED'), usd)).toBe('100000.0000000');
    expect(await balanceOf(localnet.url, key('BANK_B_RECEIVING_SEED'), usd)).toBe('0.0000000');
    const { stdout } = await run(process.execPath, [BIN], { env });
    expect(stdout).toContain('local network ready');
    expect(await balanceOf(localnet.url, key('BANK_A_BASE_SEED'), usd)).toBe('100000.0000000');
  });

  it('names the missing variables and exits 1', async () => {
    const err = await run(process.execPath, [BIN], { env: { PATH: process.env.PATH } }).catch(
      (e: unknown) => e,
    );
    expect((err as { code?: number }).code).toBe(1);
    expect((err as { stderr?: string }).stderr).toContain('LOCAL_USD_ISSUER_SEED');
  });
});
