// The one winston logger each service builds in main.ts. JSON lines in
// production, readable lines in development. Secrets and KYC fields never reach
// the output: any meta key that looks like one, at any depth, is replaced before
// formatting, and anything in a message or value that has the shape of a Stellar
// secret seed or of a password in a URL is masked.
import winston from 'winston';

export type Logger = winston.Logger;

/** Meta keys whose values are never written (seeds, MAC keys, passwords, KYC). */
export const REDACTED_KEY_PATTERN =
  /seed|secret|password|passwd|mac_key|api_?key|authorization|cookie|sender_info|dest_info|kyc|attachment|date_of_birth|^data$|^sig$/i;

/** A Stellar secret seed (S + 55 base32 characters) or the password part of a URL. */
const SECRET_TEXT_PATTERN = /\bS[A-Z2-7]{55}\b|(?<=:\/\/[^\s:/@]*:)[^\s@/]+(?=@)/g;
const MAX_DEPTH = 6;

function scrub(value: unknown, depth: number, seen: WeakSet<object>): unknown {
  if (typeof value === 'string') return value.replace(SECRET_TEXT_PATTERN, '[redacted]');
  if (typeof value !== 'object' || value === null) return value;
  if (depth >= MAX_DEPTH || seen.has(value)) return '[…]';
  seen.add(value);
  if (value instanceof Error) return scrub(`${value.name}: ${value.message}`, depth, seen);
  if (Array.isArray(value)) return value.map((item) => scrub(item, depth + 1, seen));
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    copy[key] = REDACTED_KEY_PATTERN.test(key) ? '[redacted]' : scrub(item, depth + 1, seen);
  }
  return copy;
}

const redact = winston.format((info) => {
  const seen = new WeakSet<object>();
  for (const key of Object.keys(info)) {
    info[key] = REDACTED_KEY_PATTERN.test(key) ? '[redacted]' : scrub(info[key], 1, seen);
  }
  return info;
});

export interface LoggerOptions {
  service: string;
  format?: 'json' | 'text';
  level?: string;
  /** Tests pass a stream to capture output; default is stdout. */
  stream?: NodeJS.WritableStream;
}

/** Builds the root logger of a service. */
export function createLogger({ service, format = 'text', level = 'info', stream }: LoggerOptions): Logger {
  const output =
    format === 'json'
      ? winston.format.combine(redact(), winston.format.timestamp(), winston.format.json())
      : winston.format.combine(
          redact(),
          winston.format.timestamp({ format: 'HH:mm:ss.SSS' }),
          winston.format.printf(({ timestamp, level: lvl, message, service: svc, ...meta }) => {
            const rest = Object.keys(meta).length ? ` ${JSON.stringify(meta)}` : '';
            return `${String(timestamp)} ${lvl.padEnd(5)} [${String(svc)}] ${String(message)}${rest}`;
          }),
        );
  const transport = stream
    ? new winston.transports.Stream({ stream })
    : new winston.transports.Console({ stderrLevels: [] });
  return winston.createLogger({ level, defaultMeta: { service }, format: output, transports: [transport] });
}

/** A logger that writes nothing, for tests that do not look at logs. */
export function createSilentLogger(): Logger {
  return winston.createLogger({
    silent: true,
    transports: [new winston.transports.Console({ silent: true })],
  });
}
