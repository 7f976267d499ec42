// A tiny levelled logger writing one line per event to stderr (stdout stays free for the CLI).

export type LogLevel = 'silent' | 'error' | 'warn' | 'info' | 'debug';
const RANK: Record<LogLevel, number> = { silent: 0, error: 1, warn: 2, info: 3, debug: 4 };

export interface Logger {
  error(msg: string, data?: Record<string, unknown>): void;
  warn(msg: string, data?: Record<string, unknown>): void;
  info(msg: string, data?: Record<string, unknown>): void;
  debug(msg: string, data?: Record<string, unknown>): void;
}

export function isLogLevel(v: string): v is LogLevel {
  return v in RANK;
}

export function createLogger(
  level: LogLevel,
  write: (line: string) => void = (l) => process.stderr.write(l),
): Logger {
  const at = (l: Exclude<LogLevel, 'silent'>) => (msg: string, data?: Record<string, unknown>) => {
    if (RANK[l] > RANK[level]) return;
    const extra = data
      ? ` ${JSON.stringify(data, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))}`
      : '';
    write(`${new Date().toISOString()} ${l.toUpperCase().padEnd(5)} localnet: ${msg}${extra}\n`);
  };
  return { error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug') };
}
