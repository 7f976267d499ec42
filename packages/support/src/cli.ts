// Start-up and shutdown for a service's main.ts: a config problem prints the
// list of bad fields and exits 1 (no stack trace), and SIGINT/SIGTERM run the
// registered cleanups once before exiting.
import { ConfigError } from './config/load-config.js';

/** Runs `main`, turning start-up failures into a readable message and exit code 1. */
export function runMain(main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
    } else {
      process.stderr.write(`fatal: ${err instanceof Error ? err.message : String(err)}\n`);
    }
    process.exit(1);
  });
}

/** Calls `cleanup` on the first SIGINT or SIGTERM, then exits. */
export function onShutdown(cleanup: () => Promise<void>): void {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    const timer = setTimeout(() => process.exit(1), 10_000);
    timer.unref();
    cleanup()
      .catch((err: unknown) => process.stderr.write(`shutdown after ${signal} failed: ${String(err)}\n`))
      .finally(() => process.exit(0));
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}
