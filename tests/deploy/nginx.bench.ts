// pnpm bench:nginx (issue 13 #5): the real nginx with the rendered config and TLS
// in front of the real federation server (and the static stellar.toml), beside
// federation direct, in one run on one machine, at 1,000 connections: req/s,
// p50/p99 latency, 2xx, 429, 5xx, socket errors and timeouts per row.
//
// One load generator is one client address, which the production per-client limits
// (20 r/s, burst 40, 20 in progress) would answer with 429s: the measured front
// lifts them (LIFTED_CLIENT_LIMITS, said in the output). Extra rows show compose's
// per-request upstream resolution (no upstream keep-alive), the settings of before
// the issue (one worker, 512 connections) and the production limits, whose refusals
// are 429s and not errors.
//   BENCH_CONNECTIONS (1000), BENCH_DURATION_S (8)
import { type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { DEFAULT_CLIENT_LIMITS, createDevCerts, findNginx } from '@anchor/tools';
import { startSampleFederation } from './support/federation-process.js';
import { runLoad, type LoadResult, type LoadTarget } from './support/load-run.js';
import { FRONT_DOMAIN, LIFTED_CLIENT_LIMITS, startFront, type Front } from './support/nginx-front.js';

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 1000);
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 8);
const WARMUP_S = 2;
const TOML = '/.well-known/stellar.toml';
const FEDERATION = `/federation?type=name&q=${encodeURIComponent(`alice*${FRONT_DOMAIN}`)}`;

if (!findNginx()) {
  console.error('bench:nginx needs nginx (apt-get install nginx)');
  process.exit(1);
}

const children: ChildProcess[] = [];
const fronts: Front[] = [];
async function cleanUp() {
  await Promise.all(fronts.map((f) => f.nginx.stop()));
  for (const child of children) child.kill('SIGTERM');
}
// Whatever happens, the benchmark ends: each run has its own deadline, and this one covers the rest.
const hardLimit = setTimeout(
  () => {
    console.error('bench:nginx: overall time limit reached, stopping');
    void cleanUp().finally(() => process.exit(2));
  },
  (8 * (DURATION_S + WARMUP_S) + 240) * 1000,
);
hardLimit.unref();

try {
  const dir = mkdtempSync(join(os.tmpdir(), 'anchor-nginx-bench-'));
  chmodSync(dir, 0o755); // nginx's workers run as nobody
  const certs = await createDevCerts(join(dir, 'tls'), [FRONT_DOMAIN]);
  const federation = await startSampleFederation(dir, FRONT_DOMAIN);
  children.push(federation.child);
  const front = (name: string, extra: Parameters<typeof startFront>[0]['extra']) =>
    startFront({ dir: join(dir, name), certs, federationPort: federation.port, extra }).then((f) => {
      fronts.push(f);
      return f;
    });
  const lifted = await front('lifted', { clientLimits: LIFTED_CLIENT_LIMITS });
  const before = await front('before', {
    clientLimits: LIFTED_CLIENT_LIMITS,
    workerProcesses: 1,
    workerConnections: 512,
  });
  const production = await front('production', {});
  // docker-compose's form: proxy_pass through a variable, resolved per request, so no
  // upstream block and no keep-alive (an IP upstream never asks the resolver).
  const perRequest = await front('per-request', {
    clientLimits: LIFTED_CLIENT_LIMITS,
    resolver: '127.0.0.1',
  });

  const through = (f: Front, label: string, path: string): LoadTarget => ({
    label,
    url: f.url(path),
    host: FRONT_DOMAIN,
  });
  const rows: LoadTarget[] = [
    through(lifted, 'stellar.toml through nginx', TOML),
    through(lifted, 'federation through nginx', FEDERATION),
    through(
      perRequest,
      'federation through nginx, per-request resolution (compose, no keep-alive)',
      FEDERATION,
    ),
    { label: 'federation direct', url: `http://127.0.0.1:${federation.port}${FEDERATION}` },
    through(before, 'stellar.toml, settings before issue 13 (1 worker, 512 connections)', TOML),
    through(before, 'federation, settings before issue 13 (1 worker, 512 connections)', FEDERATION),
    through(production, 'federation through nginx, production per-client limits', FEDERATION),
  ];
  const results: LoadResult[] = [];
  for (const target of rows) {
    await runLoad(target, { connections: CONNECTIONS, durationSeconds: WARMUP_S });
    results.push(await runLoad(target, { connections: CONNECTIONS, durationSeconds: DURATION_S }));
    console.error(`done: ${target.label}`);
  }

  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  console.log(
    `\nnginx benchmark: ${CONNECTIONS} connections, ${DURATION_S} s per row after ${WARMUP_S} s warm-up`,
  );
  console.log(
    `machine: ${os.cpus().length} × ${cpu}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, load average ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  console.log(
    `per-client limits: lifted to ${JSON.stringify(LIFTED_CLIENT_LIMITS)} except the last row (production ${JSON.stringify(DEFAULT_CLIENT_LIMITS)})\n`,
  );
  console.log(
    '| path | req/s | p50 ms | p99 ms | 2xx | 429 | 5xx | other non-2xx | socket errors | timeouts |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  for (const r of results) {
    console.log(
      `| ${r.label} | ${r.requestsPerSecond.toFixed(0)} | ${r.p50Ms} | ${r.p99Ms} | ${r.ok} | ${r.rateLimited} | ${r.serverErrors} | ${r.otherNon2xx} | ${r.socketErrors} | ${r.timeouts} |`,
    );
  }
} finally {
  clearTimeout(hardLimit);
  await cleanUp();
}
