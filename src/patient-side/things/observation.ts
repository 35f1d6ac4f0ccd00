import type { Readable } from 'node:stream';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { Rsc, TutelaError } from '../../core/errors.js';

/** An event longer than this is not a property value: the stream is refused, not buffered. */
const MAX_EVENT_CHARS = 64 * 1024;

const failed = (label: string, why: string, cause?: unknown) =>
  new TutelaError('observation_failed', Rsc.INTERNAL_SERVER_ERROR, `observing ${label}: ${why}`, {
    cause,
  });

/**
 * The values of one observed property, as they arrive over Server-Sent
 * Events (TD 1.1 §5.3.4.2, subprotocol "sse"). Iterate it once; close it to
 * unobserve. Iteration ends when the Thing ends the stream; it throws a
 * TutelaError when the stream breaks, stays silent too long, or carries
 * something that is not a JSON value. Reconnecting is the caller's choice.
 */
export class Observation implements AsyncIterable<unknown> {
  private closed = false;
  private started = false;

  constructor(
    private readonly body: Readable,
    private readonly abort: AbortController,
    /** Names the property in errors, e.g. "spo2 of urn:tutela:thing:p1:oximeter". */
    private readonly label: string,
  ) {}

  [Symbol.asyncIterator](): AsyncIterator<unknown> {
    if (this.started)
      throw new TutelaError(
        'observation_consumed',
        Rsc.CONFLICT,
        `${this.label} is already being read`,
      );
    this.started = true;
    return this.values();
  }

  /** Unobserves: closes the stream; a loop over the values then ends quietly. */
  async close(): Promise<void> {
    this.closed = true;
    this.abort.abort();
    this.body.destroy();
  }

  private async *values(): AsyncGenerator<unknown> {
    const pending: EventSourceMessage[] = [];
    let broken: TutelaError | undefined;
    const parser = createParser({
      onEvent: (e) => pending.push(e),
      // Unknown fields and bad retry values are ignored, as the SSE format requires.
      onError: (e) => {
        if (e.type === 'max-buffer-size-exceeded') broken = failed(this.label, 'event too large');
      },
      maxBufferSize: MAX_EVENT_CHARS,
    });
    const decoder = new TextDecoder();
    try {
      for await (const chunk of this.body) {
        parser.feed(decoder.decode(chunk as Buffer, { stream: true }));
        if (broken) throw broken;
        for (const event of pending.splice(0)) yield this.valueOf(event);
      }
    } catch (err) {
      if (this.closed) return;
      if (err instanceof TutelaError) throw err;
      throw failed(this.label, (err as Error).message, err);
    } finally {
      this.body.destroy();
    }
  }

  private valueOf(event: EventSourceMessage): unknown {
    let data: unknown;
    try {
      data = JSON.parse(event.data);
    } catch {
      throw failed(this.label, 'an event is not JSON');
    }
    if (event.event === 'error') {
      const message = (data as { message?: unknown } | null)?.message;
      throw failed(
        this.label,
        `the Thing reported: ${typeof message === 'string' ? message : 'an error'}`,
      );
    }
    return data;
  }
}
