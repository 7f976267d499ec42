// The stand-in for nginx when it is not installed: plain HTTP, one port per
// bank, the same public routes nginx serves (stellar.toml, the federation
// endpoint, the compliance auth endpoint and tx_status) and nothing else.
// Development only; the demo says so when it uses it.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FrontRoutes {
  stellarToml: string;
  /** e.g. http://127.0.0.1:8101 (the federation server; /federation is kept) */
  federationUpstream: string;
  /** e.g. http://127.0.0.1:8102 (compliance external port; /compliance is stripped) */
  complianceUpstream: string;
}

export interface RunningFront {
  port: number;
  close(): Promise<void>;
}

/**
 * Listens on `port` (0: any free one, read back from `port` of the result) before the banks exist,
 * so their configs can name it with no window for another process to take it; until `routes()`
 * gives them, every request answers 503.
 */
export async function startDevFront(
  port: number,
  currentRoutes: () => FrontRoutes | undefined,
): Promise<RunningFront> {
  const server = http.createServer((req, res) => {
    const url = req.url ?? '/';
    const path = url.split('?')[0] ?? '/';
    const routes = currentRoutes();
    if (!routes) {
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ code: 'starting', message: 'The bank is starting.' }));
    } else if (path === '/.well-known/stellar.toml') {
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'access-control-allow-origin': '*' });
      res.end(routes.stellarToml);
    } else if (path === '/federation' || path === '/federation/') {
      proxy(req, res, routes.federationUpstream + url);
    } else if (path === '/compliance' || path === '/compliance/' || path === '/compliance/tx_status') {
      proxy(req, res, routes.complianceUpstream + url.replace(/^\/compliance\/?/, '/'));
    } else {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ code: 'not_found', message: 'Not found.' }));
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function proxy(req: http.IncomingMessage, res: http.ServerResponse, target: string): void {
  const upstream = http.request(target, { method: req.method, headers: { ...req.headers } }, (answer) => {
    res.writeHead(answer.statusCode ?? 502, answer.headers);
    answer.pipe(res);
  });
  upstream.on('error', () => {
    if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ code: 'bad_gateway', message: 'Upstream unavailable.' }));
  });
  req.pipe(upstream);
}
