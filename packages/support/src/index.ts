// Runtime plumbing shared by the services: config, logging, the express app
// factory, databases, outbound HTTP and callback signing.
export * from './errors.js';
export * from './config/load-config.js';
export * from './config/schema-helpers.js';
export * from './logger.js';
export * from './http/create-app.js';
export * from './http/start-server.js';
export * from './db/create-knex.js';
export * from './db/migrations.js';
export * from './db/prepare-database.js';
export * from './db/db-errors.js';
export * from './db/columns.js';
export * from './http-client.js';
export * from './peer-guard.js';
export * from './http/public-clients.js';
export * from './payload-mac.js';
export * from './cli.js';
export * from './free-port.js';
