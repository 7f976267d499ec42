// @anchor/localnet: a Horizon-compatible local Stellar network in one process. start() builds
// the ledger, the closer timer, friendbot and the HTTP server; nothing happens at import time.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Keypair } from '@stellar/stellar-sdk';
import { parseAmount } from './amount.js';
import { Friendbot } from './friendbot.js';
import { createHorizonHandler } from './horizon-routes.js';
import { LedgerCloser, type ClosedLedger } from './ledger-closer.js';
import { createLogger, type LogLevel, type Logger } from './logger.js';
import { createRpcHandler, RPC_PATH } from './rpc/rpc-routes.js';
import { ONE_DAY_OF_LEDGERS, RpcLedgerStore } from './rpc/rpc-ledger-store.js';
import { readSnapshot, writeSnapshot } from './snapshot.js';
import { DEFAULT_STREAM_TIMEOUT_MS } from './sse.js';
import { RateLimiter } from './rate-limiter.js';

export const STANDALONE_PASSPHRASE = 'Standalone Network ; February 2017';

export interface LocalnetOptions {
  /** TCP port; 0 picks a free one. Default 8000. */
  port?: number;
  /** Interface to bind. Default 127.0.0.1 (loopback only). */
  host?: string;
  /** Milliseconds between ledger closes; 0 closes only on closeLedger(). Default 5000. */
  closeIntervalMs?: number;
  /** Default "Standalone Network ; February 2017". */
  networkPassphrase?: string;
  /** JSON file to restore accounts from at start and save them to as ledgers close. */
  snapshotFile?: string;
  /** Friendbot's starting balance, in XLM. Default "10000". */
  friendbotAmount?: string;
  /** How long POST /transactions waits before answering 504. Default 30000 (Horizon's). */
  submitTimeoutMs?: number;
  /** Operations per ledger; later transactions wait. Default 10000. */
  maxOperationsPerLedger?: number;
  /** Ledgers Stellar RPC (POST /rpc) keeps; older ones are outside its range. Default 17280 (24 h). */
  rpcRetentionLedgers?: number;
  /**
   * Ledgers of Horizon history kept (Horizon's `--history-retention-count`); older transactions,
   * operations, payments, effects and ledgers are dropped as ledgers close. Default 0 = all.
   */
  historyRetentionLedgers?: number;
  /**
   * DEVELOPMENT ONLY. Applies invoke_host_function calls of a classic asset's Stellar Asset Contract
   * (`transfer(from, to, amount)`, the issuer's `mint(to, amount)`) as the SAC moves the classic
   * balances, so clients can meet the real record shapes; see README "SAC transfers". Default false
   * (such operations are op_not_supported). The real network also needs simulation and resource fees.
   */
  devSacTransfers?: boolean;
  /** Every stream is closed with "byebye" after this (Horizon's --connection-timeout). Default 55000. */
  streamTimeoutMs?: number;
  /** `:heartbeat` comments on streams this often; Horizon sends none. Default 0 = off. */
  sseHeartbeatMs?: number;
  /**
   * Horizon's --per-hour-rate-limit: requests per hour per client IP (GCRA, burst
   * `rateLimitBurst`); over it 429 rate_limit_exceeded, and an open stream, charged one request
   * per ledger, ends with `event: error`. Default 0 = no limit.
   */
  rateLimitPerHour?: number;
  /** Requests a client may make at once beyond the hourly rate (Horizon's MaxBurst). Default 100. */
  rateLimitBurst?: number;
  logLevel?: LogLevel;
  logger?: Logger;
}

export interface Localnet {
  /** Base URL for `new Horizon.Server(url, { allowHttp: true })`. */
  url: string;
  /** Stellar RPC endpoint on the same port: `new rpc.Server(rpcUrl, { allowHttp: true })`. */
  rpcUrl: string;
  port: number;
  host: string;
  networkPassphrase: string;
  /** The root account holding every unallocated lumen: Keypair.master(networkPassphrase). */
  rootKeypair: Keypair;
  server: Server;
  closer: LedgerCloser;
  /** Sequence of the last closed ledger. */
  latestLedger(): number;
  /** Closes a ledger right now (in addition to the timer). */
  closeLedger(): ClosedLedger;
  /** Resolves with the sequence of the next ledger to close. */
  nextLedger(): Promise<number>;
  /** Resolves once ledger `sequence` has closed. */
  waitForLedger(sequence: number): Promise<void>;
  /** Creates `address` with `amount` XLM (default: friendbot's), or tops it up if it exists. */
  fund(address: string, amount?: string): Promise<void>;
  /** Writes the snapshot file now (to `file`, or the configured one). */
  snapshot(file?: string): void;
  /** Stops the timer and the server (ending open streams) and saves the snapshot. */
  close(): Promise<void>;
}

const SNAPSHOT_EVERY_MS = 1000;

export async function start(options: LocalnetOptions = {}): Promise<Localnet> {
  const host = options.host ?? '127.0.0.1';
  const networkPassphrase = options.networkPassphrase ?? STANDALONE_PASSPHRASE;
  const closeIntervalMs = options.closeIntervalMs ?? 5000;
  const log = options.logger ?? createLogger(options.logLevel ?? 'info');
  const friendbotAmount = parseAmount(options.friendbotAmount ?? '10000');
  if (!Number.isInteger(closeIntervalMs) || closeIntervalMs < 0)
    throw new Error('closeIntervalMs must be >= 0');
  const retention = options.historyRetentionLedgers ?? 0;
  if (!Number.isInteger(retention) || retention < 0) throw new Error('historyRetentionLedgers must be >= 0');

  // The server must be listening before the ledger exists: every record carries absolute links.
  const server = createServer();
  server.keepAliveTimeout = 65_000;
  server.requestTimeout = 0;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8000, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  // Friendbot needs the closer and the closer asks friendbot for its batch at each close.
  const hooks: { friendbot?: Friendbot } = {};
  const closer = new LedgerCloser({
    networkPassphrase,
    baseUrl: url,
    maxOperationsPerLedger: options.maxOperationsPerLedger ?? 10_000,
    devSacTransfers: options.devSacTransfers ?? false,
    beforeClose: (_c, lc) => hooks.friendbot?.buildBatch(lc) ?? null,
  });
  const friendbot = new Friendbot(closer, networkPassphrase, friendbotAmount);
  hooks.friendbot = friendbot;

  const snapshotFile = options.snapshotFile;
  const restored = snapshotFile ? readSnapshot(snapshotFile, networkPassphrase) : null;
  if (restored) {
    for (const a of restored.accounts) closer.state.put(a);
    for (const b of restored.claimableBalances) closer.state.claimableBalances.set(b.id, b);
    for (const o of restored.offers) closer.state.offers.set(o.id, o);
    closer.state.idPool = restored.idPool;
    closer.restoreHead(restored.head);
    log.info('restored snapshot', {
      file: snapshotFile,
      ledger: restored.head.sequence,
      accounts: restored.accounts.length,
    });
  } else {
    closer.genesis();
  }

  const horizon = createHorizonHandler({
    closer,
    friendbot,
    networkPassphrase,
    submitTimeoutMs: options.submitTimeoutMs ?? 30_000,
    sse: {
      timeoutMs: options.streamTimeoutMs ?? DEFAULT_STREAM_TIMEOUT_MS,
      heartbeatMs: options.sseHeartbeatMs ?? 0,
    },
    ...(options.rateLimitPerHour
      ? { rateLimiter: new RateLimiter(options.rateLimitPerHour, options.rateLimitBurst) }
      : {}),
    log,
  });
  const rpcStore = new RpcLedgerStore(
    closer,
    networkPassphrase,
    options.rpcRetentionLedgers ?? ONE_DAY_OF_LEDGERS,
  );
  const rpc = createRpcHandler({
    store: rpcStore,
    closer,
    networkPassphrase,
    friendbotUrl: `${url}/friendbot`,
    log,
    submit: (tx) => closer.admit(tx),
  });
  server.on('request', (req, res) => (req.url?.split('?')[0] === RPC_PATH ? rpc : horizon)(req, res));

  const save = (file = snapshotFile) => {
    if (file) writeSnapshot(file, networkPassphrase, closer.head, closer.state);
  };
  let lastSaved = 0;
  let dirty = false;
  const closeOne = (): ClosedLedger => {
    const closed = closer.closeLedger();
    log.debug('ledger closed', { sequence: closed.sequence, touched: closed.touched.size });
    if (retention > 0 && closed.sequence > retention) {
      rpcStore.sync(); // RPC keeps its own window: let it read the ledgers Horizon is about to drop
      closer.history.dropBefore(closed.sequence - retention + 1);
    }
    dirty = true;
    if (snapshotFile && Date.now() - lastSaved >= SNAPSHOT_EVERY_MS) {
      save();
      lastSaved = Date.now();
      dirty = false;
    }
    return closed;
  };
  const timer =
    closeIntervalMs > 0
      ? setInterval(() => {
          try {
            closeOne();
          } catch (e) {
            log.error('ledger close failed', { error: e instanceof Error ? e.stack : String(e) });
          }
        }, closeIntervalMs)
      : undefined;

  const nextLedger = () =>
    new Promise<number>((resolve) => closer.once('ledger', (l: ClosedLedger) => resolve(l.sequence)));

  log.info('listening', { url, networkPassphrase, closeIntervalMs, root: closer.root.publicKey() });

  return {
    url,
    rpcUrl: `${url}${RPC_PATH}`,
    port,
    host,
    networkPassphrase,
    rootKeypair: closer.root,
    server,
    closer,
    latestLedger: () => closer.head.sequence,
    closeLedger: closeOne,
    nextLedger,
    async waitForLedger(sequence) {
      while (closer.head.sequence < sequence) await nextLedger();
    },
    async fund(address, amount) {
      const r = await friendbot.fund(address, amount ? parseAmount(amount) : friendbotAmount, true);
      if (r.kind !== 'applied') throw new Error(`funding ${address} failed`);
    },
    snapshot: (file) => save(file),
    async close() {
      if (timer) clearInterval(timer);
      if (dirty || snapshotFile) save();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export { LedgerCloser } from './ledger-closer.js';
export type { ClosedLedger, LedgerHead, SubmitResult } from './ledger-closer.js';
export { formatAmount, parseAmount } from './amount.js';
export { toid } from './toid.js';
export type { LogLevel, Logger } from './logger.js';
export { sacMintOperation, sacTransferOperation } from './sac-operations.js';
