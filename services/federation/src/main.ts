// Composition root of the federation server: `federation --conf federation.cfg`.
import { parseArgs } from 'node:util';
import { createKnex, createLogger, onShutdown, runMain, startServer } from '@anchor/support';
import { createApp } from './app.js';
import { loadFederationConfig } from './config.js';
import { FederationService } from './services/federation.service.js';
import { KnexAccountStore } from './stores/account.store.js';

const USAGE = `Usage: federation [--conf federation.cfg]

SEP-2 federation server. Options:
  --conf <file>   config file (default ./federation.cfg)
  -h, --help      show this help
Environment: FEDERATION_DATABASE_DSN overrides [database] dsn.`;

runMain(async () => {
  const { values } = parseArgs({
    options: { conf: { type: 'string', default: './federation.cfg' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const config = loadFederationConfig(values.conf as string);
  const logger = createLogger({
    service: 'federation',
    format: config.log_format === 'json' ? 'json' : 'text',
  });
  const db = createKnex({ type: config.database.type, url: config.database.dsn });
  const store = new KnexAccountStore(db, {
    federation: config.queries.federation,
    reverse: config.queries['reverse-federation'],
    forward: config.queries.forward,
  });
  const app = createApp({ service: new FederationService(store), logger });
  const server = await startServer(app, {
    port: config.port,
    host: config.host,
    tls: config.tls && {
      certificateFile: config.tls['certificate-file'],
      privateKeyFile: config.tls['private-key-file'],
    },
  });
  logger.info(`federation server listening on ${server.url}/federation`);
  onShutdown(async () => {
    await server.close();
    await db.destroy();
  });
});
