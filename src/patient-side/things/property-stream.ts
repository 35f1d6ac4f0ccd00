import type { ServerResponse } from 'node:http';

export interface PropertyStreamOptions {
  /** The SSE event type: the property's name, as the WoT Profile's HTTP SSE profile does. */
  event: string;
  /** How often the property is sampled; an event goes out only when the value changed. */
  intervalMs: number;
  /** A comment line this often keeps proxies from closing an idle stream and lets both ends notice a dead one. */
  heartbeatMs: number;
  sample: () => unknown;
}

/**
 * One observeproperty interaction over Server-Sent Events (TD 1.1 §5.3.4.2
 * subprotocol "sse"; event stream format of the HTML standard, "Server-sent
 * events"). The first event carries the current value; then one event per
 * new value. A consumer that cannot keep up loses intermediate samples, not
 * memory: nothing is queued while the socket is full. `onEnd` runs once,
 * whoever ends the stream.
 */
export class PropertyStream {
  private timer: NodeJS.Timeout | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private last: string | undefined;
  private id = 0;
  private blocked = false;
  private ended = false;

  constructor(
    private readonly res: ServerResponse,
    private readonly opts: PropertyStreamOptions,
    private readonly onEnd: () => void,
  ) {}

  start(): void {
    this.res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-accel-buffering': 'no',
    });
    this.res.on('close', () => this.stop());
    this.res.on('drain', () => (this.blocked = false));
    this.tick();
    this.timer = setInterval(() => this.tick(), this.opts.intervalMs);
    this.heartbeat = setInterval(() => this.write(':\n\n'), this.opts.heartbeatMs);
  }

  /** Ends the stream from the server's side (shutdown). */
  end(): void {
    this.stop();
    this.res.end();
  }

  private tick(): void {
    if (this.blocked) return;
    let data: string;
    try {
      data = JSON.stringify(this.opts.sample());
    } catch {
      // Reported in-band, then closed: the consumer decides whether to come back.
      this.write(
        `event: error\ndata: ${JSON.stringify({ error: 'internal', message: 'sampling failed' })}\n\n`,
      );
      this.end();
      return;
    }
    if (data === this.last) return;
    this.last = data;
    this.write(`id: ${++this.id}\nevent: ${this.opts.event}\ndata: ${data}\n\n`);
  }

  private write(chunk: string): void {
    if (this.ended || this.blocked) return;
    if (!this.res.write(chunk)) this.blocked = true;
  }

  private stop(): void {
    clearInterval(this.timer);
    clearInterval(this.heartbeat);
    if (this.ended) return;
    this.ended = true;
    this.onEnd();
  }
}
