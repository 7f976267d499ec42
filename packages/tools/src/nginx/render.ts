// nginx config for the public face of one or more banks: TLS with SNI per bank
// domain, /.well-known/stellar.toml as text/plain with CORS *, the federation
// endpoint and the compliance auth endpoint (plus tx_status) proxied, and
// nothing else: the compliance internal port, the bridge and the callbacks
// service are never reachable through it. Pure: options in, text out.
import { PUBLIC_PATHS } from '../stellar-toml/spec.js';

/** One bank behind nginx. */
export interface NginxBank {
  /** server_name and TLS SNI name, e.g. `bank-a.test`. */
  domain: string;
  certificateFile: string;
  privateKeyFile: string;
  /** The generated stellar.toml served at /.well-known/stellar.toml. */
  stellarTomlFile: string;
  /** Federation server `host:port`; `/federation` is proxied to it. */
  federationUpstream?: string;
  /** Compliance EXTERNAL port `host:port`; `/compliance` → `POST /`, `/compliance/tx_status` → `GET /tx_status`. */
  complianceUpstream?: string;
}

export interface NginxConfigOptions {
  banks: NginxBank[];
  /** `listen` values for TLS, e.g. `['443']`, `['127.0.0.1:8443']`. */
  httpsListen: string[];
  /** `listen` values for plain http (redirects to https only); none by default. */
  httpListen?: string[];
  /** Port in the http → https redirect; 443 is left out of the URL. Default 443. */
  publicHttpsPort?: number;
  pidFile: string;
  errorLog: string;
  /** Access log file, or `off`. */
  accessLog: string;
  /** Directory for nginx's temp files (required when nginx runs from a private prefix). */
  tempDir?: string;
  /**
   * DNS server for upstream names, resolved per request (Docker's is 127.0.0.11): a bank
   * whose services are not running answers 502 instead of keeping nginx from starting.
   */
  resolver?: string;
  /** Largest request body; the services accept 100 KB. Default `100k`. */
  clientMaxBodySize?: string;
  /** Upstream read/send timeout in seconds. Default 30. */
  proxyTimeoutSeconds?: number;
  /** Default `auto` (one per core). */
  workerProcesses?: number | 'auto';
  /** Default 4096; nginx may open twice as many files (client + upstream), set as `worker_rlimit_nofile`. */
  workerConnections?: number;
  /** Per-client limits on the public locations; over them nginx answers 429. */
  clientLimits?: Partial<ClientLimits>;
  /** `daemon on|off`; off (foreground) by default: tests, process managers and containers want that. */
  daemon?: boolean;
}

/** Per client address (`$binary_remote_addr`), shared by all the public locations of all banks. */
export interface ClientLimits {
  /** nginx `rate`, e.g. `20r/s` or `60r/m`. */
  rate: string;
  /** Requests above the rate served at once (`nodelay`) before 429s start. */
  burst: number;
  /** Requests of one client in progress at the same time. */
  connections: number;
}

export const DEFAULT_CLIENT_LIMITS: ClientLimits = { rate: '20r/s', burst: 40, connections: 20 };

/**
 * Mozilla "intermediate" TLS 1.2 suites, ECDHE only (no DHE: we ship no dhparam):
 * forward secret, AEAD; no CBC, no SHA-1 MACs, no static RSA key exchange.
 * https://ssl-config.mozilla.org/guidelines/5.7.json (TLS 1.3 suites are OpenSSL's defaults).
 */
export const TLS12_CIPHERS = [
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
].join(':');

/**
 * Idle keep-alive connections each nginx worker keeps open to one upstream. As many as
 * a worker may have in flight at a busy moment: beyond the cache every answered
 * request closes its connection and the next opens one, and at 1,000 clients that
 * churn overflowed the service's accept queue (SYNs dropped, retried after 1 s, 3 s…):
 * federation through nginx fell to a tenth of federation direct (issue 13 #5).
 */
const UPSTREAM_KEEPALIVE = 1024;
/**
 * nginx must drop an idle upstream connection before the service does (startServer's
 * keepAliveTimeout is 5 s), or it may send a request on a connection the service is
 * closing: "upstream prematurely closed connection", a 502 to the client.
 */
const UPSTREAM_KEEPALIVE_TIMEOUT = '4s';

/** Security headers sent on every response (repeated per location: add_header is not inherited). */
export const SECURITY_HEADERS: ReadonlyArray<readonly [string, string]> = [
  ['Strict-Transport-Security', 'max-age=31536000'],
  ['X-Content-Type-Options', 'nosniff'],
  ['X-Frame-Options', 'DENY'],
  ['Referrer-Policy', 'no-referrer'],
  ['Content-Security-Policy', "default-src 'none'; frame-ancestors 'none'"],
];

const DOMAIN = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/i;
const UPSTREAM = /^[a-z0-9._-]+:\d{1,5}$/i;
const SAFE_PATH = /^[^\s;{}"'$\\]+$/;

function check(options: NginxConfigOptions): void {
  const problems: string[] = [];
  if (options.banks.length === 0) problems.push('at least one bank is required');
  if (options.httpsListen.length === 0) problems.push('httpsListen is empty');
  const seen = new Set<string>();
  for (const bank of options.banks) {
    if (!DOMAIN.test(bank.domain)) problems.push(`bad domain ${JSON.stringify(bank.domain)}`);
    if (seen.has(bank.domain.toLowerCase())) problems.push(`duplicate domain ${bank.domain}`);
    seen.add(bank.domain.toLowerCase());
    for (const [name, value] of [
      ['federationUpstream', bank.federationUpstream],
      ['complianceUpstream', bank.complianceUpstream],
    ] as const) {
      if (value !== undefined && !UPSTREAM.test(value))
        problems.push(`${bank.domain}: ${name} must be host:port`);
    }
    for (const file of [bank.certificateFile, bank.privateKeyFile, bank.stellarTomlFile]) {
      if (!SAFE_PATH.test(file)) problems.push(`${bank.domain}: unsafe path ${JSON.stringify(file)}`);
    }
  }
  for (const value of [...options.httpsListen, ...(options.httpListen ?? [])]) {
    if (!/^(\[[0-9a-f:]+\]:|[0-9.]+:)?\d{1,5}$/i.test(value)) problems.push(`bad listen value ${value}`);
  }
  const limits = options.clientLimits ?? {};
  if (limits.rate !== undefined && !/^\d+r\/[sm]$/.test(limits.rate))
    problems.push(`bad rate ${limits.rate}`);
  for (const key of ['burst', 'connections'] as const) {
    const value = limits[key];
    if (value !== undefined && !(Number.isInteger(value) && value >= 0)) problems.push(`bad ${key} ${value}`);
  }
  // nginx's own bound for limit_conn ("connection limit must be less 65536").
  if (limits.connections !== undefined && limits.connections >= 65536)
    problems.push(`bad connections ${limits.connections} (at most 65535)`);
  if (problems.length > 0) throw new Error(`invalid nginx options: ${problems.join('; ')}`);
}

function headers(indent: string, extra: ReadonlyArray<readonly [string, string]> = []): string {
  return [...SECURITY_HEADERS, ...extra]
    .map(([name, value]) => `${indent}add_header ${name} "${value}" always;\n`)
    .join('');
}

/** `federation_bank_a_test`: the upstream block's name, and (with `$`) the resolver-mode variable. */
function upstreamName(domain: string, kind: string): string {
  return `${kind}_${domain.replace(/[^a-z0-9]/gi, '_').toLowerCase()}`;
}

/** What every public location carries: the per-client limits (zones declared in http{}). */
function limitLines(indent: string, options: NginxConfigOptions): string {
  const { burst, connections } = { ...DEFAULT_CLIENT_LIMITS, ...options.clientLimits };
  return `${indent}limit_req zone=public_req burst=${burst} nodelay;\n${indent}limit_conn public_conn ${connections};\n`;
}

/**
 * Fixed upstreams get an `upstream` block so nginx keeps connections to them alive. In
 * resolver mode there is none: nginx 1.22–1.27.2 resolves an upstream block's names only at
 * start, which is what the resolver mode avoids; those requests open a connection each.
 */
function upstreamBlocks(options: NginxConfigOptions): string {
  if (options.resolver !== undefined) return '';
  const blocks = new Map<string, string>();
  for (const bank of options.banks) {
    for (const [kind, target] of [
      ['federation', bank.federationUpstream],
      ['compliance', bank.complianceUpstream],
    ] as const) {
      if (target) blocks.set(upstreamName(bank.domain, kind), target);
    }
  }
  return [...blocks]
    .map(
      ([name, target]) =>
        `  upstream ${name} {\n    server ${target};\n    keepalive ${UPSTREAM_KEEPALIVE};\n    keepalive_timeout ${UPSTREAM_KEEPALIVE_TIMEOUT};\n  }\n`,
    )
    .join('');
}

/** A proxied exact location: only `methods`, rewritten to `target` on the upstream. */
function proxyLocation(
  path: string,
  target: string,
  methods: string[],
  upstream: string,
  name: string,
  options: NginxConfigOptions,
): string {
  const i = '        ';
  const resolver = options.resolver !== undefined;
  const pass = resolver ? `${i}set $${name} ${upstream};\n` : '';
  return (
    `    location = ${path} {\n` +
    `${i}if ($request_method !~ ^(${methods.join('|')})$) { return 405; }\n` +
    limitLines(i, options) +
    pass +
    `${i}rewrite ^ ${target} break;\n` +
    `${i}proxy_pass http://${resolver ? `$${name}` : name};\n` +
    headers(i) +
    `    }\n`
  );
}

function bankServer(bank: NginxBank, options: NginxConfigOptions): string {
  const listen = options.httpsListen.map((l) => `    listen ${l} ssl;\n`).join('');
  let locations =
    `    location = /.well-known/stellar.toml {\n` +
    `        limit_except GET { deny all; }\n` +
    limitLines('        ', options) +
    `        alias ${bank.stellarTomlFile};\n` +
    `        types { }\n` +
    `        default_type "text/plain; charset=utf-8";\n` +
    headers('        ', [['Access-Control-Allow-Origin', '*']]) +
    `    }\n`;
  if (bank.federationUpstream) {
    locations += proxyLocation(
      PUBLIC_PATHS.federation,
      '/federation',
      ['GET', 'HEAD', 'OPTIONS'],
      bank.federationUpstream,
      upstreamName(bank.domain, 'federation'),
      options,
    );
  }
  if (bank.complianceUpstream) {
    const name = upstreamName(bank.domain, 'compliance');
    locations += proxyLocation(PUBLIC_PATHS.auth, '/', ['POST'], bank.complianceUpstream, name, options);
    locations += proxyLocation(
      `${PUBLIC_PATHS.auth}/tx_status`,
      '/tx_status',
      ['GET', 'HEAD'],
      bank.complianceUpstream,
      name,
      options,
    );
  }
  locations += `    location / {\n        return 404;\n${headers('        ')}    }\n`;
  return (
    `  # ${bank.domain}\n` +
    `  server {\n` +
    listen +
    `    server_name ${bank.domain};\n` +
    `    ssl_certificate ${bank.certificateFile};\n` +
    `    ssl_certificate_key ${bank.privateKeyFile};\n` +
    locations +
    `  }\n`
  );
}

function httpServers(options: NginxConfigOptions): string {
  const listens = options.httpListen ?? [];
  if (listens.length === 0) return '';
  const port = options.publicHttpsPort ?? 443;
  const suffix = port === 443 ? '' : `:${port}`;
  let out =
    `  # Plain http: known bank names are redirected to https, anything else is 404.\n` +
    `  server {\n` +
    listens.map((l) => `    listen ${l} default_server;\n`).join('') +
    `    server_name _;\n` +
    `    location = /nginx-health { access_log off; default_type text/plain; return 200 "ok\\n"; }\n` +
    `    location / { return 404; }\n` +
    `  }\n`;
  for (const bank of options.banks) {
    out +=
      `  server {\n` +
      listens.map((l) => `    listen ${l};\n`).join('') +
      `    server_name ${bank.domain};\n` +
      `    return 301 https://${bank.domain}${suffix}$request_uri;\n` +
      `  }\n`;
  }
  return out;
}

/** Renders the whole nginx.conf. @throws Error on options that would make an unsafe or broken config. */
export function renderNginxConfig(options: NginxConfigOptions): string {
  check(options);
  const temp = options.tempDir
    ? ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
        .map((t) => `  ${t}_temp_path ${options.tempDir}/${t};\n`)
        .join('')
    : '';
  const timeout = options.proxyTimeoutSeconds ?? 30;
  const connections = options.workerConnections ?? 4096;
  const limits = { ...DEFAULT_CLIENT_LIMITS, ...options.clientLimits };
  return (
    `# Generated by @anchor/tools renderNginxConfig; regenerate instead of editing.\n` +
    `daemon ${options.daemon ? 'on' : 'off'};\n` +
    `worker_processes ${options.workerProcesses ?? 'auto'};\n` +
    `worker_rlimit_nofile ${connections * 2};\n` +
    `pid ${options.pidFile};\n` +
    `error_log ${options.errorLog} warn;\n` +
    `\n` +
    `events { worker_connections ${connections}; }\n` +
    `\n` +
    `http {\n` +
    `  access_log ${options.accessLog};\n` +
    temp +
    `  server_tokens off;\n` +
    `  default_type application/octet-stream;\n` +
    `  sendfile on;\n` +
    `  keepalive_timeout 30s;\n` +
    `  client_header_timeout 10s;\n` +
    `  client_body_timeout 10s;\n` +
    `  send_timeout 30s;\n` +
    `  client_max_body_size ${options.clientMaxBodySize ?? '100k'};\n` +
    `  client_body_buffer_size ${options.clientMaxBodySize ?? '100k'};\n` +
    `  large_client_header_buffers 4 8k;\n` +
    (options.resolver ? `  resolver ${options.resolver} valid=10s ipv6=off;\n  resolver_timeout 5s;\n` : '') +
    `\n` +
    `  ssl_protocols TLSv1.2 TLSv1.3;\n` +
    `  ssl_ciphers ${TLS12_CIPHERS};\n` +
    `  ssl_ecdh_curve X25519:prime256v1:secp384r1;\n` +
    `  ssl_prefer_server_ciphers off;\n` +
    `  ssl_session_cache shared:SSL:1m;\n` +
    `  ssl_session_timeout 1h;\n` +
    `  ssl_session_tickets off;\n` +
    `\n` +
    `  # Per client address; over a limit the answer is 429, not nginx's default 503.\n` +
    `  limit_req_zone $binary_remote_addr zone=public_req:10m rate=${limits.rate};\n` +
    `  limit_conn_zone $binary_remote_addr zone=public_conn:10m;\n` +
    `  limit_req_status 429;\n` +
    `  limit_conn_status 429;\n` +
    `\n` +
    `  # HTTP/1.1 without "Connection: close" keeps upstream connections alive.\n` +
    `  proxy_http_version 1.1;\n` +
    `  proxy_set_header Connection "";\n` +
    `  proxy_set_header Host $host;\n` +
    `  proxy_set_header X-Real-IP $remote_addr;\n` +
    `  proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n` +
    `  proxy_set_header X-Forwarded-Proto https;\n` +
    `  proxy_connect_timeout 5s;\n` +
    `  proxy_send_timeout ${timeout}s;\n` +
    `  proxy_read_timeout ${timeout}s;\n` +
    `  proxy_redirect off;\n` +
    SECURITY_HEADERS.map(([name]) => `  proxy_hide_header ${name};\n`).join('') +
    `  proxy_hide_header X-Powered-By;\n` +
    `\n` +
    upstreamBlocks(options) +
    `\n` +
    `  # TLS for a name that is not one of the banks: refuse the handshake.\n` +
    `  server {\n` +
    options.httpsListen.map((l) => `    listen ${l} ssl default_server;\n`).join('') +
    `    server_name _;\n` +
    `    ssl_reject_handshake on;\n` +
    `  }\n` +
    `\n` +
    options.banks.map((bank) => bankServer(bank, options)).join('\n') +
    `\n` +
    httpServers(options) +
    `}\n`
  );
}
