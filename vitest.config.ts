// One test run for the whole monorepo: unit tests beside the sources, integration
// tests under each package's test/, cross-service end-to-end tests under tests/.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'packages/*/src/**/*.test.ts',
      'packages/*/test/**/*.test.ts',
      'services/*/src/**/*.test.ts',
      'services/*/test/**/*.test.ts',
      'tests/**/*.test.ts',
    ],
    pool: 'forks',
    // Two cores: more parallel files only make database and ledger timings noisier.
    maxWorkers: 2,
    // A limit for a hung test, not a performance bound: process and replica tests start
    // several servers and can take tens of seconds on a loaded 2-core machine.
    testTimeout: 90_000,
    hookTimeout: 60_000,
    globalSetup: ['./scripts/test-global-setup.ts'],
    reporters: ['default', './scripts/summary-reporter.ts'],
  },
});
