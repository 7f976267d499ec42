// Running the real nginx for development, the demo and tests: development
// certificates from nginx/dev-certs.sh, a private prefix directory with the
// rendered nginx.conf and each bank's stellar.toml, and nginx in the foreground
// (`nginx -p DIR -e DIR/logs/error.log -c DIR/nginx.conf`, `daemon off`).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { renderNginxConfig, type NginxBank, type NginxConfigOptions } from './render.js';

/** A free TCP port (re-exported for the demo and the deploy tests). */
export { freePort } from '@anchor/support';

const run = promisify(execFile);

/** nginx/dev-certs.sh of this repository. */
export const DEV_CERTS_SCRIPT = fileURLToPath(new URL('../../../../nginx/dev-certs.sh', import.meta.url));

/** The nginx binary: $NGINX_BIN, /usr/sbin/nginx, or the first `nginx` on PATH; undefined when absent. */
export function findNginx(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const candidates = [
    env.NGINX_BIN,
    '/usr/sbin/nginx',
    ...(env.PATH ?? '').split(delimiter).map((dir) => join(dir, 'nginx')),
  ];
  return candidates.find((c): c is string => !!c && existsSync(c));
}

/** Files made by {@link createDevCerts}. */
export interface DevCerts {
  dir: string;
  caFile: string;
  /** `<dir>/<domain>.crt` / `.key` by domain. */
  certificates: Record<string, { certificateFile: string; privateKeyFile: string }>;
}

/**
 * Makes (or reuses) a development CA in `dir` and a certificate for each domain
 * (SAN DNS:<domain>, DNS:localhost, IP:127.0.0.1), with nginx/dev-certs.sh.
 */
export async function createDevCerts(dir: string, domains: string[]): Promise<DevCerts> {
  await run('bash', [DEV_CERTS_SCRIPT, dir, ...domains], { timeout: 60_000 });
  const certificates: DevCerts['certificates'] = {};
  for (const domain of domains) {
    certificates[domain] = {
      certificateFile: resolve(dir, `${domain}.crt`),
      privateKeyFile: resolve(dir, `${domain}.key`),
    };
  }
  return { dir: resolve(dir), caFile: resolve(dir, 'ca.crt'), certificates };
}

/** One bank of {@link writeNginxPrefix}. */
export interface PrefixBank {
  domain: string;
  /** stellar.toml text, written to `<dir>/www/<domain>/stellar.toml`. */
  stellarToml: string;
  federationUpstream?: string;
  complianceUpstream?: string;
}

export interface NginxPrefixOptions {
  /** The prefix directory (created; made world-traversable: workers run as nobody). */
  dir: string;
  banks: PrefixBank[];
  /** Certificates by domain, e.g. from {@link createDevCerts}. */
  certificates: DevCerts['certificates'];
  /** Default 127.0.0.1. */
  address?: string;
  httpsPort: number;
  /** Plain http port (redirects to https); none when omitted. */
  httpPort?: number;
  /** Port shown in redirects; defaults to httpsPort. */
  publicHttpsPort?: number;
  /** Any other renderer option (timeouts, body size…). */
  extra?: Partial<NginxConfigOptions>;
}

/** What {@link writeNginxPrefix} made. */
export interface NginxPrefix {
  dir: string;
  confFile: string;
  errorLog: string;
  address: string;
  httpsPort: number;
  httpPort?: number;
  /** Where each bank's stellar.toml lives; rewrite it in place to change what is served. */
  stellarTomlFiles: Record<string, string>;
}

/**
 * nginx started as root runs its workers as `nobody`, which must be able to reach the
 * stellar.toml files: every existing ancestor of the prefix needs o+x (mkdtemp makes 0700).
 */
function checkTraversable(start: string): void {
  if (process.getuid?.() !== 0) return;
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(dir) && (statSync(dir).mode & 0o001) === 0) {
      throw new Error(
        `${dir} is not traversable by nginx's workers (user nobody): chmod 755 it or put the prefix elsewhere`,
      );
    }
    if (dirname(dir) === dir) return;
  }
}

/** Writes nginx.conf, logs/, tmp/ and www/<domain>/stellar.toml under `dir`. */
export function writeNginxPrefix(options: NginxPrefixOptions): NginxPrefix {
  const dir = resolve(options.dir);
  checkTraversable(dirname(dir));
  const address = options.address ?? '127.0.0.1';
  for (const sub of ['', 'logs', 'tmp', 'www']) mkdirSync(join(dir, sub), { recursive: true });
  chmodSync(dir, 0o755);
  chmodSync(join(dir, 'www'), 0o755);
  const stellarTomlFiles: Record<string, string> = {};
  const banks: NginxBank[] = options.banks.map((bank) => {
    const cert = options.certificates[bank.domain];
    if (!cert) throw new Error(`no certificate for ${bank.domain}`);
    const www = join(dir, 'www', bank.domain);
    mkdirSync(www, { recursive: true });
    chmodSync(www, 0o755);
    const file = join(www, 'stellar.toml');
    writeFileSync(file, bank.stellarToml, { mode: 0o644 });
    chmodSync(file, 0o644);
    stellarTomlFiles[bank.domain] = file;
    return {
      domain: bank.domain,
      certificateFile: cert.certificateFile,
      privateKeyFile: cert.privateKeyFile,
      stellarTomlFile: file,
      federationUpstream: bank.federationUpstream,
      complianceUpstream: bank.complianceUpstream,
    };
  });
  const errorLog = join(dir, 'logs', 'error.log');
  const text = renderNginxConfig({
    banks,
    httpsListen: [`${address}:${options.httpsPort}`],
    httpListen: options.httpPort !== undefined ? [`${address}:${options.httpPort}`] : [],
    publicHttpsPort: options.publicHttpsPort ?? options.httpsPort,
    pidFile: join(dir, 'nginx.pid'),
    errorLog,
    accessLog: join(dir, 'logs', 'access.log'),
    tempDir: join(dir, 'tmp'),
    ...options.extra,
  });
  const confFile = join(dir, 'nginx.conf');
  writeFileSync(confFile, text, { mode: 0o644 });
  return {
    dir,
    confFile,
    errorLog,
    address,
    httpsPort: options.httpsPort,
    httpPort: options.httpPort,
    stellarTomlFiles,
  };
}

/** A running nginx; `stop()` sends QUIT (graceful) and waits for the exit. */
export interface RunningNginx {
  process: ChildProcess;
  prefix: NginxPrefix;
  stop(): Promise<void>;
  /** The error log so far (for test failure messages). */
  errorLog(): string;
}

function nginxArgs(prefix: NginxPrefix): string[] {
  return ['-p', prefix.dir, '-e', prefix.errorLog, '-c', prefix.confFile];
}

async function waitForPort(
  address: string,
  port: number,
  child: ChildProcess,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nginx exited with code ${child.exitCode}`);
    const open = await new Promise<boolean>((done) => {
      const socket = net.connect({ host: address, port }, () => {
        socket.destroy();
        done(true);
      });
      socket.on('error', () => done(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`nginx did not listen on ${address}:${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Tests the config (`nginx -t`), starts nginx in the foreground and waits until it listens. */
export async function startNginx(
  prefix: NginxPrefix,
  options: { bin?: string; timeoutMs?: number } = {},
): Promise<RunningNginx> {
  const bin = options.bin ?? findNginx();
  if (!bin) throw new Error('nginx is not installed (apt-get install nginx)');
  try {
    await run(bin, ['-t', '-q', ...nginxArgs(prefix)], { timeout: 30_000 });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`nginx -t failed: ${e.stderr || e.message}`);
  }
  const child = spawn(bin, nginxArgs(prefix), { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d) => (stderr += d));
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const errorLog = () => {
    try {
      return stderr + readFileSync(prefix.errorLog, 'utf8');
    } catch {
      return stderr;
    }
  };
  try {
    await waitForPort(prefix.address, prefix.httpsPort, child, options.timeoutMs ?? 10_000);
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`${(err as Error).message}\n${errorLog()}`);
  }
  return {
    process: child,
    prefix,
    errorLog,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGQUIT');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}
