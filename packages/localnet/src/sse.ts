// Server-sent events framed as Horizon frames them (render/sse): a hello preamble, one event
// per record with `id:` = paging token, `event: close` after `limit` records, and comment
// heartbeats so proxies keep an idle stream open. Clients resume with Last-Event-ID or cursor.
import type { ServerResponse } from 'node:http';

const PREAMBLE = 'retry: 1000\nevent: open\ndata: "hello"\n\n';
const BYEBYE = 'retry: 10\nevent: close\ndata: "byebye"\n\n';
const HEARTBEAT_MS = 10_000;

export class SseStream {
  private sent = 0;
  private ended = false;
  private readonly heartbeat: NodeJS.Timeout;
  private readonly closeHandlers: (() => void)[] = [];

  /** `limit`: close after this many records (0 = never), as Horizon does with ?limit=. */
  constructor(
    private readonly res: ServerResponse,
    private readonly limit: number,
  ) {
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache',
      Connection: 'keep-alive',
      'Access-Control-Allow-Origin': '*',
      'X-Accel-Buffering': 'no',
    });
    res.write(PREAMBLE);
    this.heartbeat = setInterval(() => res.write(':heartbeat\n\n'), HEARTBEAT_MS);
    this.heartbeat.unref();
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
    if (this.limit > 0 && this.sent >= this.limit) {
      this.close();
      return false;
    }
    return true;
  }

  remaining(): number {
    return this.limit > 0 ? this.limit - this.sent : Number.MAX_SAFE_INTEGER;
  }

  /** Horizon's "byebye": the client reconnects from its last id. */
  close(): void {
    if (this.ended) return;
    this.res.end(BYEBYE);
    this.finish();
  }

  error(message: string): void {
    if (this.ended) return;
    this.res.end(`event: error\ndata: ${JSON.stringify(message)}\n\n`);
    this.finish();
  }

  private finish(): void {
    if (this.ended) return;
    this.ended = true;
    clearInterval(this.heartbeat);
    for (const fn of this.closeHandlers.splice(0)) fn();
  }
}
