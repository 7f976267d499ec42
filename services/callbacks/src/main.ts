// Composition root: parse the command line, load the config, build the
// dependencies, listen. `--migrate-db` applies the migrations and exits (as the
// legacy servers did); `--seed-sample` / `--seed <file.json>` add customers and
// exit; both may be combined.
import { createHmac } from 'node:crypto';
import { parseArgs } from 'node:util';
import { createKnex, createLogger, onShutdown, prepareDatabase, runMain, startServer } from '@anchor/support';
import { buildDeps, createApp } from './app.js';
import { loadCallbacksConfig } from './config.js';
import { MIGRATIONS_TABLE, migrations } from './migrations/index.js';
import { readSeedFile, SAMPLE_CUSTOMERS, seedCustomers } from './sample.js';
import { loadSanctionsList } from './sanctions/sdn-list.js';
import type { SanctionsEntry } from './sanctions/sdn-list.js';

const USAGE = 'usage: callbacks -c callbacks.cfg [--migrate-db] [--seed-sample] [--seed customers.json]';

runMain(async () => {
  const { values } = parseArgs({
    options: {
      config: { type: 'string', short: 'c', default: 'callbacks.cfg' },
      'migrate-db': { type: 'boolean', default: false },
      'seed-sample': { type: 'boolean', default: false },
      seed: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const config = loadCallbacksConfig(values.config);
  const logger = createLogger({ service: 'callbacks', format: config.log_format });
  const db = createKnex(config.database);
  const oneShot = values['migrate-db'] || values['seed-sample'] || values.seed !== undefined;

  await prepareDatabase(db, migrations, MIGRATIONS_TABLE, {
    migrate: values['migrate-db'],
    service: 'callbacks',
    configFile: values.config,
    logger,
  });

  let sanctionsList: SanctionsEntry[] = [];
  if (config.sanctions.list_file) {
    sanctionsList = loadSanctionsList(config.sanctions.list_file, config.sanctions.alt_file);
  } else {
    logger.warn('no sanctions.list_file configured: every sender passes screening');
  }

  const deps = buildDeps({
    db,
    logger,
    macKey: config.mac_key,
    operatorPassword: config.operator_password,
    sessionSecret:
      config.session_secret ??
      createHmac('sha256', config.operator_password).update('anchor-callbacks-console-session').digest('hex'),
    domain: config.domain,
    receivingAccountId: config.receiving_account_id,
    pendingSeconds: config.pending_seconds,
    sanctionsList,
    sanctionsListFile: config.sanctions.list_file ?? '(none)',
    fuzzyThreshold: config.sanctions.fuzzy_threshold,
    trustedProxies: config.trusted_proxies,
    complianceInternalUrl: config.compliance_internal_url,
  });

  if (values['seed-sample'] || values.seed) {
    const records = [
      ...(values['seed-sample'] ? SAMPLE_CUSTOMERS : []),
      ...(values.seed ? readSeedFile(values.seed) : []),
    ];
    const result = await seedCustomers(deps.customers, records);
    logger.info('customers seeded', { created: result.created, skipped: result.skipped });
  }
  if (oneShot) {
    await db.destroy();
    return;
  }

  const server = await startServer(createApp(deps), {
    port: config.port,
    host: config.host,
    tls: config.tls
      ? { certificateFile: config.tls['certificate-file'], privateKeyFile: config.tls['private-key-file'] }
      : undefined,
  });
  logger.info('callbacks listening', { url: server.url, sanctions_names: deps.console.sanctionsListSize });
  onShutdown(async () => {
    await server.close();
    await db.destroy();
  });
});
