// Composition root: `bridge -c bridge.cfg [--migrate-db] [-v]`.
import { parseArgs } from 'node:util';
import { createKnex, createLogger, onShutdown, prepareDatabase, runMain, startServer } from '@anchor/support';
import { createBridge } from './bridge.js';
import { databaseOf, loadBridgeConfig } from './config.js';
import { migrations, MIGRATIONS_TABLE } from './migrations/index.js';

const VERSION = '0.1.0';
const USAGE = `Usage: bridge [-c bridge.cfg] [--migrate-db] [-v]

Stellar bridge server. Options:
  -c, --config <file>  config file (default ./bridge.cfg)
  --migrate-db         apply database migrations and exit
  -v, --version        print the version and exit
Environment: BRIDGE_BASE_SEED, BRIDGE_AUTHORIZING_SEED, BRIDGE_MAC_KEY, BRIDGE_API_KEY,
BRIDGE_CHANNEL_SEEDS (comma separated), BRIDGE_DATABASE_URL override the config file.`;

runMain(async () => {
  const { values } = parseArgs({
    options: {
      config: { type: 'string', short: 'c', default: './bridge.cfg' },
      'migrate-db': { type: 'boolean' },
      version: { type: 'boolean', short: 'v' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (values.version) {
    process.stdout.write(`Bridge Server Version: ${VERSION}\n`);
    return;
  }
  const config = loadBridgeConfig(values.config as string);
  const logger = createLogger({ service: 'bridge', format: config.log_format });
  if (values['migrate-db']) {
    const dbConfig = databaseOf(config);
    if (!dbConfig) throw new Error('--migrate-db needs a [database] section');
    const db = createKnex(dbConfig);
    await prepareDatabase(db, migrations, MIGRATIONS_TABLE, { migrate: true, service: 'bridge', logger });
    await db.destroy();
    return;
  }
  const bridge = await createBridge(config, logger, {
    configFile: values.config as string,
    // Crash tests only (claimable-crash.test.ts): a kill -9 between a claim landing and its
    // delivery being recorded. Unset in production: no hook at all.
    onClaimLanded:
      process.env.BRIDGE_TEST_CRASH_AT === 'claim-landed'
        ? () => process.kill(process.pid, 'SIGKILL')
        : undefined,
  });
  await bridge.start();
  const server = await startServer(bridge.app, { port: config.port, host: config.host });
  logger.info(`bridge listening on ${server.url}`);
  onShutdown(async () => {
    await server.close();
    await bridge.close();
  });
});
