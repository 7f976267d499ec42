// Public surface of @anchor/callbacks (used by end-to-end tests and the demo).
export { buildDeps, createApp, type AppDeps, type BuildOptions } from './app.js';
export { callbacksConfigSchema, loadCallbacksConfig, type CallbacksConfig } from './config.js';
export { migrations, MIGRATIONS_TABLE } from './migrations/index.js';
export { SAMPLE_CUSTOMERS, seedCustomers } from './sample.js';
export { loadSanctionsList, parseSanctionsList } from './sanctions/sdn-list.js';
