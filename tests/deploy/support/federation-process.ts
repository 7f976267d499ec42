// The real federation binary on the sample customers (SQLite), as the deploy tests
// and the nginx benchmark put it behind nginx.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { writeSampleSetup } from '../../../services/federation/src/sample/sample-setup.js';

const FEDERATION_BIN = fileURLToPath(
  new URL('../../../services/federation/bin/federation.js', import.meta.url),
);

/** Writes the sample setup for `domain` under `dir`, starts the server on a free port and waits until it listens. */
export async function startSampleFederation(
  dir: string,
  domain: string,
): Promise<{ child: ChildProcess; port: number }> {
  const { configFile: conf } = await writeSampleSetup(dir, domain);
  const child = spawn(process.execPath, [FEDERATION_BIN, '--conf', conf], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    const onData = (d: Buffer) => {
      out += d;
      const match = /listening on http:\/\/127\.0\.0\.1:(\d+)\/federation/.exec(out);
      if (match) resolve(Number(match[1]));
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`federation exited (${code}): ${out}`)));
  });
  return { child, port };
}
