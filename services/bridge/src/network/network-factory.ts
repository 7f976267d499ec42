// Picks the network adapter the config names: Horizon (legacy `horizon` key or
// `[network] backend = "horizon"`) or Stellar RPC, with Horizon kept only for backfill.
import type { Logger } from '@anchor/support';
import { networkOf, type BridgeConfig } from '../config.js';
import { HorizonNetwork } from './horizon-network.js';
import { RpcNetwork } from './rpc-network.js';
import type { StellarNetwork } from './stellar-network.js';

export function createNetwork(config: BridgeConfig, logger: Logger): StellarNetwork {
  const net = networkOf(config);
  if (net.backend === 'horizon')
    return new HorizonNetwork(net.horizonUrl, { oneStream: config.listener.one_stream });
  return new RpcNetwork({
    url: net.rpcUrl,
    networkPassphrase: config.network_passphrase,
    logger: logger.child({ component: 'rpc' }),
    backfill: net.horizonUrl ? new HorizonNetwork(net.horizonUrl) : undefined,
    pollIntervalMs: net.pollIntervalMs,
    submitTimeoutMs: net.submitTimeoutMs,
  });
}
