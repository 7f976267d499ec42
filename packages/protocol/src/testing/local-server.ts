// Test helper (not exported): a real node:http server on 127.0.0.1 with per-path
// handlers and request log, so HTTP limits are exercised end to end without mocks.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Handler = (req: IncomingMessage, res: ServerResponse) => void;

export interface LocalServer {
  /** `localhost:PORT`, usable as a domain. */
  domain: string;
  /** `http://localhost:PORT`. */
  origin: string;
  /** Request URLs (path + query) in arrival order. */
  requests: string[];
  /** Routes by pathname; replace freely between tests. */
  routes: Map<string, Handler>;
  close(): Promise<void>;
}

export async function startLocalServer(): Promise<LocalServer> {
  const routes = new Map<string, Handler>();
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    requests.push(req.url ?? '');
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const handler = routes.get(path);
    if (handler) handler(req, res);
    else {
      res.statusCode = 404;
      res.end('not found');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    domain: `localhost:${port}`,
    origin: `http://localhost:${port}`,
    requests,
    routes,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function text(body: string, status = 200, headers: Record<string, string> = {}): Handler {
  return (_req, res) => {
    res.writeHead(status, { 'Content-Type': 'text/plain', ...headers });
    res.end(body);
  };
}

export function json(body: unknown, status = 200): Handler {
  return text(typeof body === 'string' ? body : JSON.stringify(body), status, {
    'Content-Type': 'application/json',
  });
}
