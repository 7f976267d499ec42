// Builds the bridge from its config: database, Horizon client, submitter,
// listener, delivery worker and the express app. main.ts and the tests use it.
import type { Knex } from 'knex';
import { Keypair } from '@stellar/stellar-sdk';
import {
  appCounter,
  appGauge,
  createKnex,
  createPublicClients,
  prepareDatabase,
  type Logger,
} from '@anchor/support';
import type { Express } from 'express';
import { createApp } from './app.js';
import { createNetwork } from './network/network-factory.js';
import type { StellarNetwork } from './network/stellar-network.js';
import { databaseOf, receivingAccounts, type BridgeConfig } from './config.js';
import { migrations, MIGRATIONS_TABLE } from './migrations/index.js';
import { AdminService } from './services/admin.service.js';
import { DeliveryService } from './services/delivery.service.js';
import { HistoryGapGuard } from './services/history-gap.js';
import { PaymentListener } from './services/listener.service.js';
import { PaymentService } from './services/payment.service.js';
import { TransactionSubmitter } from './services/submitter.service.js';
import { isNotFound } from './services/horizon-errors.js';
import { createAccountLock } from './stores/listener-lock.store.js';
import { KnexClaimableBalanceStore } from './stores/claimable-balance.store.js';
import { ClaimableBalanceService } from './services/claimable-balance.service.js';
import { FeeBidder } from './services/fee-bidder.js';
import { KnexReceivedPaymentStore } from './stores/received-payment.store.js';
import { KnexSentTransactionStore, NullSentTransactionStore } from './stores/sent-transaction.store.js';

export interface Bridge {
  app: Express;
  config: BridgeConfig;
  db?: Knex;
  submitter: TransactionSubmitter;
  listener?: PaymentListener;
  delivery?: DeliveryService;
  network: StellarNetwork;
  /** Startup checks (accounts exist) and the listener. */
  start(): Promise<void>;
  close(): Promise<void>;
}

/** How long /health waits for the network (Horizon's root, RPC's getHealth) before calling the network unreachable. */
const NETWORK_CHECK_TIMEOUT_MS = 3_000;

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export interface BridgeOptions {
  /** The config file named in the pending-migrations hint. */
  configFile?: string;
  /** Test hook (crash tests): runs after a claim of a claimable balance landed, before its delivery is recorded. */
  onClaimLanded?: () => void;
}

export async function createBridge(
  config: BridgeConfig,
  logger: Logger,
  options: BridgeOptions = {},
): Promise<Bridge> {
  const dbConfig = databaseOf(config);
  const db = dbConfig ? createKnex(dbConfig) : undefined;
  if (db) {
    await prepareDatabase(db, migrations, MIGRATIONS_TABLE, {
      migrate: false,
      service: 'bridge',
      configFile: options.configFile,
    });
  }
  const network = createNetwork(config, logger);
  const { http, federation } = createPublicClients(config.http);
  const sentStore = db ? new KnexSentTransactionStore(db) : new NullSentTransactionStore();
  const channels = config.submitter.channel_seeds.map((s) => Keypair.fromSecret(s));
  const submitter = new TransactionSubmitter({
    network,
    networkPassphrase: config.network_passphrase,
    store: sentStore,
    logger: logger.child({ component: 'submitter' }),
    channels,
    batching: config.submitter.batching,
    batchMaxOperations: config.submitter.batch_max_operations,
    transactionTimeoutSeconds: config.submitter.transaction_timeout_seconds,
    badSeqRetries: config.submitter.bad_seq_retries,
    busySourceRebuilds: config.submitter.busy_source_rebuilds,
    baseFee: config.submitter.base_fee,
    fees: new FeeBidder({
      network,
      logger: logger.child({ component: 'fees' }),
      percentile: config.fees.percentile,
      maxFee: config.fees.max_fee,
      floor: config.submitter.base_fee,
    }),
    bumpAfterLedgers: config.fees.bump_after_ledgers,
  });
  const payments = new PaymentService({
    submitter,
    store: sentStore,
    federation,
    http,
    complianceUrl: config.compliance,
    logger: logger.child({ component: 'payment' }),
    claimStaleMs: config.submitter.claim_stale_ms,
  });

  let listener: PaymentListener | undefined;
  // Filled once the app (and its metrics registry) exists; a gap can only happen after start().
  const gapHalts: { counter?: { inc(labels: { account: string }): void } } = {};
  let gapGuard: HistoryGapGuard | undefined;
  let delivery: DeliveryService | undefined;
  let admin: AdminService | undefined;
  let claimable: ClaimableBalanceService | undefined;
  if (db) {
    const received = new KnexReceivedPaymentStore(db);
    const claimableStore = new KnexClaimableBalanceStore(db);
    delivery = new DeliveryService({
      store: received,
      http,
      logger: logger.child({ component: 'delivery' }),
      receiveUrl: config.callbacks.receive,
      errorUrl: config.callbacks.error,
      complianceUrl: config.compliance,
      macKey: config.mac_key,
      retryMinMs: config.listener.retry_min_ms,
      retryMaxMs: config.listener.retry_max_ms,
      concurrency: config.listener.delivery_concurrency,
      callbackTimeoutMs: config.listener.callback_timeout_ms,
      failureLogPerMinute: config.listener.failure_log_per_minute,
    });
    const accounts = receivingAccounts(config);
    if (accounts.length > 0 && config.callbacks.receive) {
      gapGuard = new HistoryGapGuard(network, config.listener.history_gap);
      listener = new PaymentListener({
        network,
        onGap: (account) => gapHalts.counter?.inc({ account }),
        store: received,
        lock: createAccountLock(db, { leaseMs: Math.max(3 * config.listener.lock_retry_ms, 1_000) }),
        delivery,
        logger: logger.child({ component: 'listener' }),
        accounts,
        assets: config.assets,
        cursorReset: config.listener.cursor_reset,
        historyGap: gapGuard,
        silenceTimeoutMs: config.listener.silence_timeout_ms,
        reconnectMinMs: config.listener.reconnect_min_ms,
        reconnectMaxMs: config.listener.reconnect_max_ms,
        lockRetryMs: config.listener.lock_retry_ms,
      });
      const held = new Set(['catching_up', 'streaming', 'reconnecting']);
      const claimer = listener;
      const base = config.accounts.base_seed ? Keypair.fromSecret(config.accounts.base_seed) : undefined;
      claimable = new ClaimableBalanceService({
        network,
        store: claimableStore,
        received,
        sent: sentStore,
        channels: channels.map((c) => c.publicKey()),
        submit: (job) => submitter.submit(job),
        notify: () => delivery?.notify(),
        logger: logger.child({ component: 'claimable-balances' }),
        policy: config.listener.claimable_balances,
        accounts,
        // A claim needs the claimant's signature: the bridge can sign for its base account only.
        signers: new Map(base ? [[base.publicKey(), base]] : []),
        assets: config.assets,
        pollMs: config.listener.claimable_poll_ms,
        holds: (account) => held.has(claimer.states.get(account)?.state ?? ''),
        onClaimLanded: options.onClaimLanded,
      });
    } else if (accounts.length > 0) {
      logger.warn('receiving accounts configured without callbacks.receive: the listener is off');
    }
    admin = new AdminService({
      network,
      sent: sentStore,
      received,
      delivery,
      listener,
      claimable: claimableStore,
      claimer: claimable,
      complianceUrl: config.compliance,
    });
  }

  const app = createApp({
    config,
    logger,
    submitter,
    payments,
    admin,
    healthChecks: {
      ...(db ? { database: () => db.raw('SELECT 1') } : {}),
      ...(listener
        ? {
            listener: async () => {
              if (!listener?.healthy()) throw new Error('listener halted');
            },
          }
        : {}),
    },
    dependencyChecks: { network: () => withTimeout(network.health(), NETWORK_CHECK_TIMEOUT_MS) },
  });

  gapHalts.counter = appCounter(
    app,
    'bridge_listener_gaps_total',
    'Receiving accounts halted by a history gap (cursor older than the retained history)',
    ['account'],
  );
  delivery?.countFailuresIn(
    appCounter(app, 'bridge_delivery_failures_total', 'Failed delivery attempts by kind and outcome', [
      'kind',
      'outcome',
    ]),
  );

  if (gapGuard) {
    const gaps = gapGuard.gaps;
    appGauge(
      app,
      'bridge_listener_history_gap_ledgers',
      "Ledgers between a receiving account's stored cursor and Horizon's history_elder_ledger (0 = no gap)",
      ['account'],
      (g) => {
        for (const account of receivingAccounts(config))
          g.set({ account }, gaps.get(account)?.missingLedgers ?? 0);
      },
    );
  }

  return {
    app,
    config,
    db,
    submitter,
    listener,
    delivery,
    network,
    async start() {
      const keys = [
        config.accounts.base_seed,
        config.accounts.authorizing_seed,
        ...config.submitter.channel_seeds,
      ].filter((s): s is string => Boolean(s));
      for (const seed of keys) {
        const id = Keypair.fromSecret(seed).publicKey();
        try {
          await submitter.checkAccount(id);
        } catch (err) {
          if (isNotFound(err)) {
            throw new Error(`account ${id} (from a configured seed) does not exist on the network`);
          }
          logger.warn('network unreachable at startup; continuing', { account: id, error: String(err) });
        }
      }
      listener?.start();
      claimable?.start();
    },
    async close() {
      await claimable?.stop();
      submitter.close();
      await listener?.stop();
      await delivery?.stop();
      await db?.destroy();
    },
  };
}
