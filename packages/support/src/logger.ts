// The one winston logger each service builds in main.ts. JSON lines in
// production, readable lines in development. Secrets and KYC fields never reach
// the output: any meta key that looks like one is replaced before formatting.
import winston from 'winston';

export type Logger = winston.Logger;

/** Meta keys whose values are never written (seeds, MAC keys, passwords, KYC). */
export const REDACTED_KEY_PATTERN =
  /seed|secret|password|passwd|mac_key|api_?key|authorization|cookie|sender_info|dest_info|kyc|attachment|date_of_birth|^data$|^sig$/i;

const redact = winston.format((info) => {
  for (const key of Object.keys(info)) {
    if (REDACTED_KEY_PATTERN.test(key)) info[key] = '[redacted]';
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
