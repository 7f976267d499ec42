// Test servers on loopback: the bank backend's callbacks (records every request
// and answers as each scenario needs) and a bank's web front (stellar.toml and a
// federation endpoint), both real node:http servers.
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  form: Record<string, string>;
  headers: http.IncomingHttpHeaders;
}

export interface CannedAnswer {
  status: number;
  body?: string;
  headers?: Record<string, string>;
}

type Responder = (req: RecordedRequest) => CannedAnswer;

async function listen(server: http.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

function close(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** The bank backend: `/sanctions`, `/ask_user`, `/fetch_info`, `/tx_status`, … */
export class CallbacksServer {
  readonly received: RecordedRequest[] = [];
  private readonly responders = new Map<string, Responder[]>();
  private readonly defaults = new Map<string, Responder>();
  private readonly hanging = new Set<string>();
  private server?: http.Server;
  port = 0;

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => {
      void (async () => {
        const url = new URL(req.url ?? '/', 'http://x');
        const body = await readBody(req);
        const recorded: RecordedRequest = {
          method: req.method ?? '',
          path: url.pathname,
          query: Object.fromEntries(url.searchParams),
          form: Object.fromEntries(new URLSearchParams(body)),
          headers: req.headers,
        };
        this.received.push(recorded);
        // Accepted and read, never answered: the connection stays open until the client gives up.
        if (this.hanging.has(url.pathname)) return;
        const queue = this.responders.get(url.pathname);
        const responder = queue?.shift() ?? this.defaults.get(url.pathname);
        const answer = responder ? responder(recorded) : { status: 404, body: 'no such callback' };
        res.writeHead(answer.status, answer.headers ?? { 'Content-Type': 'application/json' });
        res.end(answer.body ?? '');
      })();
    });
    this.port = await listen(this.server);
    return this;
  }

  url(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  /** Answer every request to `path` like this (until changed). */
  always(path: string, answer: CannedAnswer | Responder): void {
    this.defaults.set(path, typeof answer === 'function' ? answer : () => answer);
  }

  /** Answer the next request to `path` like this, then fall back to `always`. */
  once(path: string, answer: CannedAnswer | Responder): void {
    const queue = this.responders.get(path) ?? [];
    queue.push(typeof answer === 'function' ? answer : () => answer);
    this.responders.set(path, queue);
  }

  /** Never answer requests to `path` (a backend that accepts and hangs), until reset. */
  hang(path: string): void {
    this.hanging.add(path);
  }

  requests(path: string): RecordedRequest[] {
    return this.received.filter((r) => r.path === path);
  }

  reset(): void {
    this.received.length = 0;
    this.responders.clear();
    this.defaults.clear();
    this.hanging.clear();
  }

  close(): Promise<void> {
    return this.server ? close(this.server) : Promise.resolve();
  }
}

export interface FederationRecordFixture {
  account_id: string;
  memo_type?: string;
  memo?: string;
}

/** What the stellar.toml URL does: serve a document or misbehave. */
export type TomlBehaviour =
  | { kind: 'toml'; text: string }
  | { kind: 'status'; status: number }
  | { kind: 'redirect'; location: string }
  | { kind: 'slow'; delayMs: number; text: string }
  | { kind: 'huge'; bytes: number; chunked: boolean };

/** A bank's web front on `localhost:PORT`: stellar.toml and a federation server. */
export class BankWebServer {
  /** @param tls PEM certificate and key: serve HTTPS instead of HTTP. */
  constructor(private readonly tls?: { cert: Buffer; key: Buffer }) {}

  private server?: http.Server;
  port = 0;
  toml: TomlBehaviour = { kind: 'status', status: 404 };
  tomlRequests = 0;
  /** Bytes written by the last `huge` answer before the client went away. */
  hugeBytesWritten = 0;
  /** `name*domain` → record */
  readonly names = new Map<string, FederationRecordFixture>();
  /** JSON of the forward fields (sorted) → record */
  readonly forwards = new Map<string, FederationRecordFixture>();
  readonly federationQueries: Record<string, string>[] = [];

  async start(): Promise<this> {
    const handler: http.RequestListener = (req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname === '/.well-known/stellar.toml') {
        this.tomlRequests++;
        this.serveToml(res);
        return;
      }
      if (url.pathname === '/federation') {
        const query = Object.fromEntries(url.searchParams);
        this.federationQueries.push(query);
        let record: FederationRecordFixture | undefined;
        if (query.type === 'name') record = this.names.get(query.q ?? '');
        if (query.type === 'forward') {
          const { type: _t, ...fields } = query;
          record = this.forwards.get(forwardKey(fields));
        }
        res.writeHead(record ? 200 : 404, {
          'Content-Type': 'application/json',
          'Access-Control-Allow-Origin': '*',
        });
        res.end(JSON.stringify(record ?? { code: 'not_found', message: 'Account not found' }));
        return;
      }
      res.writeHead(404).end();
    };
    this.server = this.tls ? https.createServer(this.tls, handler) : http.createServer(handler);
    this.port = await listen(this.server);
    return this;
  }

  /** The dev domain of this bank: `localhost:PORT`. */
  get domain(): string {
    return `localhost:${this.port}`;
  }

  private serveToml(res: http.ServerResponse): void {
    const t = this.toml;
    switch (t.kind) {
      case 'toml':
        res.writeHead(200, { 'Content-Type': 'text/plain', 'Access-Control-Allow-Origin': '*' }).end(t.text);
        return;
      case 'status':
        res.writeHead(t.status).end('nope');
        return;
      case 'redirect':
        res.writeHead(302, { Location: t.location }).end();
        return;
      case 'slow': {
        const timer = setTimeout(
          () => res.writeHead(200, { 'Content-Type': 'text/plain' }).end(t.text),
          t.delayMs,
        );
        res.on('close', () => clearTimeout(timer));
        return;
      }
      case 'huge': {
        this.hugeBytesWritten = 0;
        const headers: Record<string, string> = { 'Content-Type': 'text/plain' };
        if (!t.chunked) headers['Content-Length'] = String(t.bytes);
        res.writeHead(200, headers);
        const line = `# ${'x'.repeat(1021)}\n`;
        const write = () => {
          while (this.hugeBytesWritten < t.bytes) {
            this.hugeBytesWritten += line.length;
            if (!res.write(line)) {
              res.once('drain', write);
              return;
            }
          }
          res.end();
        };
        res.on('close', () => res.removeAllListeners('drain'));
        write();
        return;
      }
    }
  }

  close(): Promise<void> {
    return this.server ? close(this.server) : Promise.resolve();
  }
}

export function forwardKey(fields: Record<string, string>): string {
  return JSON.stringify(Object.fromEntries(Object.entries(fields).sort(([a], [b]) => a.localeCompare(b))));
}
