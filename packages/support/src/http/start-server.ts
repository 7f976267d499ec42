// Listens with explicit timeouts (a slow client must not hold a socket forever)
// and optional TLS, and closes gracefully.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { RequestListener } from 'node:http';

export interface StartServerOptions {
  port: number;
  /** Default 127.0.0.1: exposing a port is a deliberate choice (0.0.0.0 in containers). */
  host?: string;
  tls?: { certificateFile: string; privateKeyFile: string };
  /** Whole request must arrive within this. Default 30 s. */
  requestTimeoutMs?: number;
  /** Headers must arrive within this. Default 10 s. */
  headersTimeoutMs?: number;
}

export interface RunningServer {
  server: http.Server;
  port: number;
  url: string;
  close(): Promise<void>;
}

/**
 * Pending connections the kernel queues before the process accepts them (it caps this
 * at net.core.somaxconn, 4096 on current kernels). Node's default of 511 is less than
 * nginx opens to one upstream when 1,000 clients arrive at once: the SYNs beyond the
 * queue are dropped and retried after 1 s, 3 s, 7 s…, so requests through nginx took
 * seconds while the same load direct did not (issue 13 #5).
 */
export const LISTEN_BACKLOG = 4096;

/** Starts listening and resolves once the port is bound. */
export async function startServer(
  handler: RequestListener,
  options: StartServerOptions,
): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  const serverOptions: http.ServerOptions = {
    requestTimeout: options.requestTimeoutMs ?? 30_000,
    headersTimeout: options.headersTimeoutMs ?? 10_000,
    keepAliveTimeout: 5_000,
  };
  const server = options.tls
    ? https.createServer(
        {
          ...serverOptions,
          cert: readFileSync(options.tls.certificateFile),
          key: readFileSync(options.tls.privateKeyFile),
        },
        handler,
      )
    : http.createServer(serverOptions, handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: options.port, host, backlog: LISTEN_BACKLOG }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const scheme = options.tls ? 'https' : 'http';
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    server,
    port,
    url: `${scheme}://${shownHost}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        setTimeout(() => server.closeAllConnections(), 2_000).unref();
      }),
  };
}
