import type { Logger } from '../../core/log.js';
import type { ConsumedThing, Observation } from '../things/index.js';

export interface Watch {
  close(): Promise<void>;
}

/**
 * Observes one property of a Thing (TD 1.1 observeproperty, over SSE) and
 * calls `onChange` for every value after the first, reconnecting with a
 * growing pause when the stream breaks. The gateway uses it for what must
 * not wait for the next tick: a carer entering a new consciousness level
 * (new confusion scores 3 in NEWS2 on its own) is sent at once.
 */
export function observeChanges(
  thing: ConsumedThing,
  property: string,
  onChange: (value: unknown) => void,
  log: Logger,
): Watch {
  let current: Observation | undefined;
  let closed = false;
  let pauseMs = 500;
  const loop = async () => {
    while (!closed) {
      try {
        current = await thing.observeProperty(property);
        let first = true;
        for await (const value of current) {
          pauseMs = 500;
          // The first event is the value as it was when observation began: not a change.
          if (!first) onChange(value);
          first = false;
        }
      } catch (err) {
        if (closed) return;
        log.warn(
          { err: (err as Error).message, property, thing: thing.name },
          'observation broke; reconnecting',
        );
      }
      if (closed) return;
      await new Promise((r) => setTimeout(r, pauseMs).unref());
      pauseMs = Math.min(30_000, pauseMs * 2);
    }
  };
  const running = loop();
  return {
    async close() {
      closed = true;
      await current?.close();
      await running;
    },
  };
}
