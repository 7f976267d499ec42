// CLI: `localnet --port 8000 --close-interval 5s`. Parses flags, starts the network and shuts
// it down cleanly (saving the snapshot) on SIGINT/SIGTERM.
import { parseDuration } from './duration.js';
import { isLogLevel, type LogLevel } from './logger.js';
import { STANDALONE_PASSPHRASE, start, type LocalnetOptions } from './index.js';

const HELP = `localnet — a Horizon-compatible local Stellar network (in-memory ledger, no stellar-core)

Usage: localnet [options]

Options:
  --port <n>                  TCP port to listen on (0 = any free port)          [default: 8000]
  --host <addr>               interface to bind; keep loopback unless you mean it [default: 127.0.0.1]
  --close-interval <dur>      time between ledger closes: 5s, 500ms, 1.5s, 2m or
                              plain milliseconds                                  [default: 5s]
  --network-passphrase <s>    network passphrase; also derives the root account
                              (Keypair.master(passphrase))    [default: "${STANDALONE_PASSPHRASE}"]
  --snapshot <file>           restore accounts from this JSON file at start and save
                              them to it as ledgers close and on exit (history is not
                              kept)                                               [default: none]
  --friendbot-amount <xlm>    starting balance friendbot gives new accounts       [default: 10000]
  --submit-timeout <dur>      how long POST /transactions waits for its ledger
                              before answering 504                                [default: 30s]
  --max-ops-per-ledger <n>    operations per ledger; further transactions wait    [default: 10000]
  --rpc-retention <n>         ledgers Stellar RPC (POST /rpc) keeps               [default: 17280]
  --history-retention <n>     ledgers of Horizon history kept (0 = all)           [default: 0]
  --dev-sac-transfers         DEVELOPMENT ONLY: apply SAC transfer/mint calls of
                              classic assets (see README "SAC transfers")         [default: off]
  --connection-timeout <dur>  streams end with "byebye" after this (Horizon's flag) [default: 55s]
  --sse-heartbeat <dur>       ":heartbeat" comments on streams (Horizon: none)    [default: off]
  --per-hour-rate-limit <n>   requests per hour per client IP, then 429 (0 = off) [default: 0]
  --rate-limit-burst <n>      requests at once beyond the hourly rate             [default: 100]
  --log-level <level>         silent | error | warn | info | debug                [default: info]
  -h, --help                  show this help and exit

Endpoints: GET / · /accounts/:id[/transactions|operations|payments|effects|data/:key]
  /ledgers[/:seq[/…]] · /transactions[/:hash[/operations|payments|effects]] · /operations[/:id[/effects]]
  /payments · /effects · /fee_stats · /friendbot?addr=G… · POST /transactions · POST /transactions_async
Every collection streams as SSE with "Accept: text/event-stream".
Stellar RPC (JSON-RPC 2.0) on the same port: POST /rpc.`;

function parseArgs(argv: string[]): LocalnetOptions | 'help' {
  const opts: LocalnetOptions = { port: 8000 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '-h' || arg === '--help') return 'help';
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const value = () => {
      if (eq > 0) return arg.slice(eq + 1);
      const v = argv[++i];
      if (v === undefined) throw new Error(`${name} needs a value`);
      return v;
    };
    const int = (v: string) => {
      if (!/^\d+$/.test(v)) throw new Error(`${name}: not a non-negative integer: ${v}`);
      return Number(v);
    };
    switch (name) {
      case '--port':
        opts.port = int(value());
        if (opts.port > 65535) throw new Error('--port must be <= 65535');
        break;
      case '--host':
        opts.host = value();
        break;
      case '--close-interval':
        opts.closeIntervalMs = parseDuration(value());
        if (opts.closeIntervalMs <= 0) throw new Error('--close-interval must be positive');
        break;
      case '--network-passphrase':
        opts.networkPassphrase = value();
        break;
      case '--snapshot':
        opts.snapshotFile = value();
        break;
      case '--friendbot-amount':
        opts.friendbotAmount = value();
        break;
      case '--submit-timeout':
        opts.submitTimeoutMs = parseDuration(value());
        break;
      case '--max-ops-per-ledger':
        opts.maxOperationsPerLedger = int(value());
        break;
      case '--rpc-retention':
        opts.rpcRetentionLedgers = int(value());
        if (opts.rpcRetentionLedgers < 1) throw new Error('--rpc-retention must be at least 1');
        break;
      case '--history-retention':
        opts.historyRetentionLedgers = int(value());
        break;
      case '--dev-sac-transfers':
        opts.devSacTransfers = true;
        break;
      case '--connection-timeout':
        opts.streamTimeoutMs = parseDuration(value());
        break;
      case '--sse-heartbeat':
        opts.sseHeartbeatMs = parseDuration(value());
        break;
      case '--per-hour-rate-limit':
        opts.rateLimitPerHour = int(value());
        break;
      case '--rate-limit-burst':
        opts.rateLimitBurst = int(value());
        break;
      case '--log-level': {
        const v = value();
        if (!isLogLevel(v)) throw new Error(`--log-level must be one of silent, error, warn, info, debug`);
        opts.logLevel = v as LogLevel;
        break;
      }
      default:
        throw new Error(`unknown option: ${arg} (see --help)`);
    }
  }
  return opts;
}

async function main(): Promise<void> {
  let opts: LocalnetOptions | 'help';
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`localnet: ${(e as Error).message}\n`);
    process.exit(2);
  }
  if (opts === 'help') {
    process.stdout.write(`${HELP}\n`);
    return;
  }
  const net = await start(opts);
  process.stdout.write(
    `localnet ready: ${net.url}\n  stellar rpc: ${net.rpcUrl}\n  network passphrase: ${net.networkPassphrase}\n  root account: ${net.rootKeypair.publicKey()}\n`,
  );
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`localnet: ${signal}, shutting down\n`);
    net.close().then(
      () => process.exit(0),
      (e: unknown) => {
        process.stderr.write(`localnet: shutdown failed: ${String(e)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

await main();
