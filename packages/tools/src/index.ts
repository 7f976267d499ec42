// @anchor/tools: deployment helpers shared by the anchor-toml command, the demo and the tests.
export {
  buildStellarTomlSpec,
  renderStellarToml,
  allowedHttpDomains,
  StellarTomlError,
  PUBLIC_PATHS,
  STELLAR_TOML_VERSION,
} from './stellar-toml/spec.js';
export type { StellarTomlSpec, StellarTomlSources } from './stellar-toml/spec.js';
export { generateStellarToml, renderCheckedStellarToml, checkStellarToml } from './stellar-toml/generate.js';
export { runAnchorToml, writeFileAtomic, readTomlFile } from './stellar-toml/cli.js';
export type { AnchorTomlArgs, AnchorTomlIo } from './stellar-toml/cli.js';
export { DEFAULT_CLIENT_LIMITS, renderNginxConfig, SECURITY_HEADERS, TLS12_CIPHERS } from './nginx/render.js';
export type { ClientLimits, NginxBank, NginxConfigOptions } from './nginx/render.js';
export {
  createDevCerts,
  writeNginxPrefix,
  startNginx,
  findNginx,
  freePort,
  DEV_CERTS_SCRIPT,
} from './nginx/prefix.js';
export type { DevCerts, PrefixBank, NginxPrefixOptions, NginxPrefix, RunningNginx } from './nginx/prefix.js';
export {
  composeNginxConfig,
  COMPOSE_BANKS,
  COMPOSE_NGINX_PATHS,
  COMPOSE_UPSTREAM_PORTS,
} from './nginx/compose.js';
export type { ComposeNetwork } from './nginx/compose.js';
export { startTwoBankStack, resetMysqlDatabases } from './demo/two-bank-stack.js';
export type { RunningStack, RunningBank, StackOptions } from './demo/two-bank-stack.js';
export { ConsoleClient } from './demo/console-client.js';
export { DEMO_CUSTOMERS } from './demo/demo-customers.js';
export { balanceOf } from './demo/network-setup.js';
export { lookUp, pay, complianceSend, publicClients, waitForDelivery } from './demo/payment-flow.js';
export type { BankEndpoints, BridgeAnswer } from './demo/payment-flow.js';
