// Runs once before the test files: finds the MySQL/MariaDB and PostgreSQL
// servers the integration tests use, or starts a private MariaDB from the
// installed binaries, and tells the test workers where they are through
// environment variables. Under CI=true a database that cannot be found fails
// the run here, loudly, instead of letting its tests skip.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import knex from 'knex';
import { freePort } from '@anchor/support';

const MYSQL_CANDIDATES = [process.env.TEST_MYSQL_URL, 'mysql://root@127.0.0.1:3306/mysql'];
const POSTGRES_CANDIDATES = [
  process.env.TEST_POSTGRES_URL,
  'postgres://postgres@127.0.0.1:5432/postgres',
  'postgres://root@127.0.0.1:5432/postgres',
];

async function reachable(client: 'mysql2' | 'pg', url: string): Promise<boolean> {
  const db = knex({ client, connection: url, pool: { min: 0, max: 1 }, acquireConnectionTimeout: 3000 });
  try {
    await db.raw('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await db.destroy();
  }
}

async function firstReachable(
  client: 'mysql2' | 'pg',
  candidates: (string | undefined)[],
): Promise<string | undefined> {
  for (const url of candidates) if (url && (await reachable(client, url))) return url;
  return undefined;
}

/** Starts a throw-away MariaDB under a temp dir (well under a second). */
async function startPrivateMariadb(): Promise<{ url: string; stop(): Promise<void> } | undefined> {
  const daemon = ['/usr/sbin/mariadbd', '/usr/sbin/mysqld'].find((p) => existsSync(p));
  if (!daemon) return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'anchor-mariadb-'));
  mkdirSync(join(dir, 'data'));
  execFileSync(
    'mariadb-install-db',
    [
      '--no-defaults',
      '--user=root',
      `--datadir=${join(dir, 'data')}`,
      '--auth-root-authentication-method=normal',
      '--skip-test-db',
    ],
    { stdio: 'ignore' },
  );
  const port = await freePort();
  const child: ChildProcess = spawn(
    daemon,
    [
      '--no-defaults',
      '--user=root',
      `--datadir=${join(dir, 'data')}`,
      `--socket=${join(dir, 'mysqld.sock')}`,
      `--port=${port}`,
      '--bind-address=127.0.0.1',
      `--pid-file=${join(dir, 'mysqld.pid')}`,
      `--log-error=${join(dir, 'error.log')}`,
      '--skip-name-resolve',
      '--innodb-buffer-pool-size=64M',
    ],
    { stdio: 'ignore' },
  );
  const url = `mysql://root@127.0.0.1:${port}/mysql`;
  return privateServer('mysql2', url, child, dir, 'SIGTERM');
}

/** Waits (≤ 10 s) until the private server at `url` answers; its stop() shuts it down and removes `dir`. */
async function privateServer(
  client: 'mysql2' | 'pg',
  url: string,
  child: ChildProcess,
  dir: string,
  stopSignal: NodeJS.Signals,
): Promise<{ url: string; stop(): Promise<void> } | undefined> {
  for (let i = 0; i < 100; i++) {
    if (await reachable(client, url)) {
      return {
        url,
        stop: async () => {
          child.kill(stopSignal);
          await new Promise((resolve) => child.once('exit', resolve));
          rmSync(dir, { recursive: true, force: true });
        },
      };
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
  return undefined;
}

/**
 * Starts a throw-away PostgreSQL cluster under a temp dir with trust auth on
 * loopback, from the installed binaries (Debian: /usr/lib/postgresql/<v>/bin).
 * PostgreSQL refuses to run as root, so as root it runs as the `postgres` user.
 */
async function startPrivatePostgres(): Promise<{ url: string; stop(): Promise<void> } | undefined> {
  const root = '/usr/lib/postgresql';
  const version = existsSync(root) ? readdirSync(root).sort().pop() : undefined;
  if (!version) return undefined;
  const bin = (name: string) => join(root, version, 'bin', name);
  const asRoot = process.getuid?.() === 0;
  const run = (args: string[]) =>
    (asRoot ? ['runuser', ['-u', 'postgres', '--', ...args]] : [args[0], args.slice(1)]) as [
      string,
      string[],
    ];
  const dir = mkdtempSync(join(tmpdir(), 'anchor-postgres-'));
  try {
    if (asRoot) execFileSync('chown', ['postgres', dir]);
    execFileSync(
      ...run([bin('initdb'), '-D', join(dir, 'data'), '-A', 'trust', '-U', 'postgres', '--no-sync']),
      {
        stdio: 'ignore',
      },
    );
  } catch {
    rmSync(dir, { recursive: true, force: true });
    return undefined;
  }
  const port = await freePort();
  const child: ChildProcess = spawn(
    ...run([
      bin('postgres'),
      '-D',
      join(dir, 'data'),
      '-p',
      String(port),
      '-k',
      dir,
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'fsync=off',
    ]),
    { stdio: 'ignore' },
  );
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  // SIGINT is PostgreSQL's fast shutdown.
  return privateServer('pg', url, child, dir, 'SIGINT');
}

export default async function setup(): Promise<() => Promise<void>> {
  const ci = process.env.CI === 'true';
  const cleanups: (() => Promise<void>)[] = [];
  const problems: string[] = [];

  // TEST_PRIVATE_DATABASES=1 ignores running servers: how a fresh machine's run is tried out here.
  const usePrivate = process.env.TEST_PRIVATE_DATABASES === '1';
  let mysqlUrl = usePrivate ? undefined : await firstReachable('mysql2', MYSQL_CANDIDATES);
  if (!mysqlUrl) {
    const privateServer = await startPrivateMariadb();
    if (privateServer) {
      mysqlUrl = privateServer.url;
      cleanups.push(privateServer.stop);
    }
  }
  if (mysqlUrl) process.env.TEST_MYSQL_URL = mysqlUrl;
  else {
    const reason =
      'no MySQL/MariaDB on 127.0.0.1:3306 and no mariadbd binary to start one (apt-get install mariadb-server)';
    process.env.TEST_MYSQL_UNAVAILABLE = reason;
    problems.push(reason);
  }

  let postgresUrl = usePrivate ? undefined : await firstReachable('pg', POSTGRES_CANDIDATES);
  if (!postgresUrl) {
    const privateServer = await startPrivatePostgres();
    if (privateServer) {
      postgresUrl = privateServer.url;
      cleanups.push(privateServer.stop);
    }
  }
  if (postgresUrl) process.env.TEST_POSTGRES_URL = postgresUrl;
  else {
    const reason =
      'no PostgreSQL on 127.0.0.1:5432 and no binaries to start one (apt-get install postgresql, or set TEST_POSTGRES_URL)';
    process.env.TEST_POSTGRES_UNAVAILABLE = reason;
    problems.push(reason);
  }

  if (problems.length > 0) {
    if (ci) throw new Error(`CI=true and a database leg cannot run:\n- ${problems.join('\n- ')}`);
    process.stderr.write(`\n[tests] skipping database legs:\n- ${problems.join('\n- ')}\n\n`);
  }
  return async () => {
    for (const cleanup of cleanups) await cleanup();
  };
}
