// startServer's listen queue (issue 13 #5): the kernel must queue as many pending
// connections as nginx opens to one upstream at once, not Node's default 511.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { LISTEN_BACKLOG, startServer, type RunningServer } from '../src/http/start-server.js';

const servers: RunningServer[] = [];
afterAll(() => Promise.all(servers.map((s) => s.close())));

/** `ss` shows a listening socket's backlog as its Send-Q. */
function listenBacklog(port: number): number {
  const line = execFileSync('ss', ['-Hltn', `sport = :${port}`], { encoding: 'utf8' }).trim();
  return Number(line.split(/\s+/)[2]);
}

const hasSs = ['/usr/bin/ss', '/bin/ss'].some(existsSync) && existsSync('/proc/sys/net/core/somaxconn');

describe.skipIf(!hasSs)('startServer', () => {
  it('listens with a backlog of LISTEN_BACKLOG, as far as the kernel allows', async () => {
    const server = await startServer((_req, res) => res.end('ok'), { port: 0 });
    servers.push(server);
    const somaxconn = Number(readFileSync('/proc/sys/net/core/somaxconn', 'utf8'));
    expect(listenBacklog(server.port)).toBe(Math.min(LISTEN_BACKLOG, somaxconn));
    expect(Math.min(LISTEN_BACKLOG, somaxconn)).toBeGreaterThan(511);
  });
});
