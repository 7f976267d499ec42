// Server-sent events framed as Horizon frames them (stellar-horizon internal/render/sse): a hello
// preamble, one event per record with `id:` = paging token, the "byebye" close after `limit`
// records or when the connection timeout (Horizon's --connection-timeout, 55 s) runs out, and a
// raw `event: error` line for a mid-stream failure. Horizon sends no heartbeat comments; ours
// are an opt-in for proxies with short idle timeouts. Clients resume with Last-Event-ID or cursor.
import type { ServerResponse } from 'node:http';

const PREAMBLE = 'retry: 1000\nevent: open\ndata: "hello"\n\n';
const BYEBYE = 'retry: 10\nevent: close\ndata: "byebye"\n\n';

/** Horizon's --connection-timeout default: every stream is closed (byebye) after this. */
export const DEFAULT_STREAM_TIMEOUT_MS = 55_000;

export interface SseOptions {
  /** Close the stream with "byebye" after this long (Horizon's --connection-timeout). */
  timeoutMs: number;
  /** Send a `:heartbeat` comment this often; 0 = never, as Horizon. */
  heartbeatMs: number;
}

export class SseStream {
  private sent = 0;
  private ended = false;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly closeHandlers: (() => void)[] = [];

  /** `limit`: close after this many records, as Horizon's ServeStream does (default page size 10). */
  constructor(
    private readonly res: ServerResponse,
    private readonly limit: number,
    options: SseOptions,
  ) {
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache',
      Connection: 'keep-alive',
      'Access-Control-Allow-Origin': '*',
      'X-Accel-Buffering': 'no',
    });
    res.write(PREAMBLE);
    if (options.heartbeatMs > 0)
      this.timers.push(setInterval(() => res.write(':heartbeat\n\n'), options.heartbeatMs));
    if (options.timeoutMs > 0) this.timers.push(setTimeout(() => this.close(), options.timeoutMs));
    for (const t of this.timers) t.unref();
    res.on('close', () => this.finish());
  }

  get done(): boolean {
    return this.ended;
  }

  onClose(fn: () => void): void {
    this.closeHandlers.push(fn);
  }

  /** Sends one record; returns false once the stream is finished. */
  send(id: string, data: string): boolean {
    if (this.ended) return false;
    this.res.write(`id: ${id}\ndata: ${data}\n\n`);
    this.sent += 1;
    if (this.sent >= this.limit) {
      this.close();
      return false;
    }
    return true;
  }

  remaining(): number {
    return this.limit - this.sent;
  }

  /** Horizon's "byebye": the client reconnects from its last id. */
  close(): void {
    if (this.ended) return;
    this.res.end(BYEBYE);
    this.finish();
  }

  /** Horizon's WriteEvent for an error: the message as is, not JSON (`data: Rate limit exceeded`). */
  error(message: string): void {
    if (this.ended) return;
    this.res.end(`event: error\ndata: ${message}\n\n`);
    this.finish();
  }

  private finish(): void {
    if (this.ended) return;
    this.ended = true;
    for (const t of this.timers) clearTimeout(t);
    for (const fn of this.closeHandlers.splice(0)) fn();
  }
}
