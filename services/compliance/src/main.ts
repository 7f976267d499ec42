// Composition root of the compliance server:
//   compliance [-c|--config compliance.cfg] [--migrate-db] [-v|--version]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createKnex, createLogger, onShutdown, prepareDatabase, runMain, startServer } from '@anchor/support';
import { createExternalApp, createInternalApp } from './app.js';
import { loadComplianceConfig } from './config.js';
import { createComplianceServices } from './deps.js';
import { MIGRATIONS_TABLE, migrations } from './migrations/index.js';

const USAGE = `Usage: compliance [-c|--config compliance.cfg] [--migrate-db] [-v|--version]

SEP-3 compliance server. Options:
  -c, --config <file>  config file (default ./compliance.cfg)
  --migrate-db         apply pending database migrations and exit
  -v, --version        print the version and exit
  -h, --help           show this help
Environment: COMPLIANCE_SIGNING_SEED, COMPLIANCE_DATABASE_URL and
COMPLIANCE_TX_STATUS_PASSWORD override keys.signing_seed, database.url and
tx_status_auth.password.`;

runMain(async () => {
  const { values } = parseArgs({
    options: {
      config: { type: 'string', short: 'c', default: './compliance.cfg' },
      'migrate-db': { type: 'boolean', default: false },
      version: { type: 'boolean', short: 'v' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (values.version) {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    process.stdout.write(`compliance ${pkg.version}\n`);
    return;
  }
  const config = loadComplianceConfig(values.config as string);
  const logger = createLogger({ service: 'compliance', format: config.log_format });
  const db = createKnex(config.database);

  await prepareDatabase(db, migrations, MIGRATIONS_TABLE, {
    migrate: values['migrate-db'],
    service: 'compliance',
    configFile: values.config as string,
    logger,
  });
  if (values['migrate-db']) {
    await db.destroy();
    return;
  }

  const services = createComplianceServices(config, db, logger);
  const tls = config.tls && {
    certificateFile: config.tls['certificate-file'],
    privateKeyFile: config.tls['private-key-file'],
  };
  // TLS (when configured) applies to the external port only, as in the Go server.
  const external = await startServer(createExternalApp(services), {
    port: config.external_port,
    host: config.host,
    tls,
  });
  const internal = await startServer(createInternalApp(services), {
    port: config.internal_port,
    host: config.internal_host ?? config.host,
  });
  logger.info(`compliance external (auth) server listening on ${external.url}`);
  logger.info(`compliance internal server listening on ${internal.url}`);
  onShutdown(async () => {
    await Promise.all([external.close(), internal.close()]);
    await db.destroy();
  });
});
