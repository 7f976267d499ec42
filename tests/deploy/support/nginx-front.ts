// One bank's public front for load runs: the real nginx from a private prefix,
// rendered by renderNginxConfig like every deploy test, with TLS, serving a
// static stellar.toml and proxying /federation to a running federation server.
import {
  startNginx,
  writeNginxPrefix,
  freePort,
  type DevCerts,
  type NginxConfigOptions,
  type RunningNginx,
} from '@anchor/tools';

export const FRONT_DOMAIN = 'bank-a.test';

/**
 * Per-client limits so high that one load generator (one client address) is never
 * refused: a benchmark of nginx itself, not of its limits. The burst matters as well
 * as the rate: nginx counts in milliseconds, so two requests in one millisecond are
 * over any rate without one.
 */
export const LIFTED_CLIENT_LIMITS = { rate: '100000r/s', burst: 100_000, connections: 60_000 };

export interface Front {
  nginx: RunningNginx;
  port: number;
  /** `https://127.0.0.1:<port><path>`; send Host / SNI {@link FRONT_DOMAIN}. */
  url(path: string): string;
}

export async function startFront(options: {
  dir: string;
  certs: DevCerts;
  federationPort: number;
  extra?: Partial<NginxConfigOptions>;
}): Promise<Front> {
  const port = await freePort();
  const prefix = writeNginxPrefix({
    dir: options.dir,
    certificates: options.certs.certificates,
    httpsPort: port,
    banks: [
      {
        domain: FRONT_DOMAIN,
        stellarToml: [
          `FEDERATION_SERVER = "https://${FRONT_DOMAIN}/federation"`,
          `AUTH_SERVER = "https://${FRONT_DOMAIN}/compliance"`,
          'SIGNING_KEY = "GBYJZW5XFAI6XV73H5SAIUYK6XZI4CGGVBUBO3ANA2SV7KKDAXTV6AEB"',
          '',
        ].join('\n'),
        federationUpstream: `127.0.0.1:${options.federationPort}`,
      },
    ],
    // The access log would be the biggest cost of a load run.
    extra: { accessLog: 'off', ...options.extra },
  });
  const nginx = await startNginx(prefix);
  return { nginx, port, url: (path) => `https://127.0.0.1:${port}${path}` };
}
