// Test helpers shared by the packages' integration tests (never used in production code).
export * from './test-databases.js';
export * from './schema.js';
export * from './tls.js';
export * from './leg-database.js';
