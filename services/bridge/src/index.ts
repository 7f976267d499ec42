// Public surface of @anchor/bridge for end-to-end tests and tooling.
export { createBridge, type Bridge } from './bridge.js';
export { createApp, type BridgeDeps } from './app.js';
export { bridgeConfigSchema, loadBridgeConfig, parseBridgeConfig, type BridgeConfig } from './config.js';
export { migrations, MIGRATIONS_TABLE } from './migrations/index.js';
