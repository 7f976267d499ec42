// The nginx configs docker-compose mounts (docker/nginx/<network>.conf), rendered
// from the same renderer the tests run against real nginx. Regenerate with
// `pnpm exec tsx nginx/render-compose.ts`; tests/deploy checks they are current.
import { renderNginxConfig, type NginxBank } from './render.js';

/** Banks per ANCHOR_NETWORK: testnet is the single-bank deployment, local adds bank B. */
export const COMPOSE_BANKS = {
  testnet: [{ domain: 'bank-a.test', suffix: '' }],
  local: [
    { domain: 'bank-a.test', suffix: '' },
    { domain: 'bank-b.test', suffix: '-b' },
  ],
} as const;

export type ComposeNetwork = keyof typeof COMPOSE_BANKS;

/** Where things are inside the nginx container. */
export const COMPOSE_NGINX_PATHS = {
  config: '/etc/nginx/anchor.conf',
  certs: '/etc/nginx/certs',
  stellarToml: '/var/www/stellar',
} as const;

/** Compose service ports the public endpoints are proxied to. */
export const COMPOSE_UPSTREAM_PORTS = { federation: 8002, complianceExternal: 8003 } as const;

/** The nginx.conf for one ANCHOR_NETWORK of docker-compose.yml. */
export function composeNginxConfig(network: ComposeNetwork): string {
  const banks: NginxBank[] = COMPOSE_BANKS[network].map(({ domain, suffix }) => ({
    domain,
    certificateFile: `${COMPOSE_NGINX_PATHS.certs}/${domain}.crt`,
    privateKeyFile: `${COMPOSE_NGINX_PATHS.certs}/${domain}.key`,
    stellarTomlFile: `${COMPOSE_NGINX_PATHS.stellarToml}/${domain}.toml`,
    federationUpstream: `federation${suffix}:${COMPOSE_UPSTREAM_PORTS.federation}`,
    complianceUpstream: `compliance${suffix}:${COMPOSE_UPSTREAM_PORTS.complianceExternal}`,
  }));
  return renderNginxConfig({
    banks,
    httpsListen: ['443'],
    httpListen: ['80'],
    publicHttpsPort: 443,
    pidFile: '/tmp/nginx.pid',
    errorLog: '/dev/stderr',
    accessLog: '/dev/stdout',
    resolver: '127.0.0.11',
    workerProcesses: 'auto',
  });
}
