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
    testTimeout: 30_000,
    hookTimeout: 60_000,
    globalSetup: ['./scripts/test-global-setup.ts'],
    reporters: ['default', './scripts/summary-reporter.ts'],
  },
});
