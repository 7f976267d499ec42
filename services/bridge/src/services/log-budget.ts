// A per-minute budget for log lines about one noisy kind of event (failed
// deliveries): the first `perMinute` lines of a minute are written, the rest
// only counted, and one line reports how many were left out when the next
// minute opens. However many deliveries fail, the log grows by a bounded
// number of lines per minute; the metrics keep the full count.
import type { Logger } from '@anchor/support';

const MINUTE_MS = 60_000;

export class LogBudget {
  private windowStart = Number.NEGATIVE_INFINITY;
  private used = 0;
  private suppressed = 0;

  constructor(
    private readonly logger: Logger,
    private readonly perMinute: number,
    private readonly what: string,
  ) {}

  warn(message: string, meta: Record<string, unknown>): void {
    this.write('warn', message, meta);
  }

  info(message: string, meta: Record<string, unknown>): void {
    this.write('info', message, meta);
  }

  /** Opens a new minute when the current one is over, reporting what it left out. */
  roll(nowMs = Date.now()): void {
    if (nowMs - this.windowStart < MINUTE_MS) return;
    if (this.suppressed > 0) {
      this.logger.warn(`${this.what}: ${this.suppressed} more log lines left out`, {
        suppressed: this.suppressed,
        per_minute: this.perMinute,
      });
    }
    this.windowStart = nowMs;
    this.used = 0;
    this.suppressed = 0;
  }

  private write(level: 'warn' | 'info', message: string, meta: Record<string, unknown>): void {
    this.roll();
    if (this.used < this.perMinute) {
      this.used++;
      this.logger[level](message, meta);
    } else {
      this.suppressed++;
    }
  }
}
