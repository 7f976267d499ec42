// The README's main command as a newcomer runs it: the demo walks the whole
// flow to "Done", keeps the stack up, and Ctrl-C stops every process it started.
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../../packages/tools/bin/anchor-demo.js', import.meta.url));

async function answers(url: string): Promise<boolean> {
  try {
    await fetch(url, { signal: AbortSignal.timeout(1000) });
    return true;
  } catch {
    return false;
  }
}

describe('anchor-demo', () => {
  it(
    'walks a1 → b1 to the end, then Ctrl-C stops every process it started',
    { timeout: 180_000 },
    async () => {
      const parent = mkdtempSync(join(tmpdir(), 'demo-'));
      chmodSync(parent, 0o755); // nginx's workers (user nobody) read the stellar.toml files below it
      const demo = spawn(process.execPath, [BIN, '--dir', join(parent, 'run')], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      demo.stdout.on('data', (d) => (out += d));
      demo.stderr.on('data', (d) => (out += d));
      const exited = new Promise<number | null>((resolve) => demo.on('exit', resolve));
      await new Promise<void>((resolve, reject) => {
        const timer = setInterval(() => {
          if (out.includes('Ctrl-C stops every process')) {
            clearInterval(timer);
            resolve();
          } else if (demo.exitCode !== null) {
            clearInterval(timer);
            reject(new Error(`demo exited early:\n${out}`));
          }
        }, 200);
      });
      expect(out).toContain('[5] Bank B');
      expect(out).toMatch(/b1 at bank B \(bank's books\): +25\.00 USD/);
      expect(out).toContain('Done: money moved from a1*bank-a.test to b1*bank-b.test');
      // The stack is up: bank B's console and localnet answer.
      expect(await answers('http://127.0.0.1:8205/health')).toBe(true);
      expect(await answers('http://127.0.0.1:8000/')).toBe(true);

      demo.kill('SIGINT');
      expect(await exited).toBe(0);
      expect(out).toContain('Stopped.');
      for (const port of [8000, 8101, 8102, 8103, 8104, 8105, 8201, 8202, 8203, 8204, 8205]) {
        expect(await answers(`http://127.0.0.1:${port}/health`), `port ${port}`).toBe(false);
      }
    },
  );
});
