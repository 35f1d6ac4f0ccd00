import { monitorEventLoopDelay } from 'node:perf_hooks';

export interface LoopGovernorOptions {
  /** The most jobs it ever allows at once (and where it starts). */
  max: number;
  /** Above this event-loop delay p99 (ms) over a period, the allowance halves. */
  highMs: number;
  /** Below it, the allowance grows by one. */
  lowMs: number;
  /** How often it looks (ms). */
  everyMs: number;
  /** Hears each new allowance. */
  onChange: (limit: number) => void;
  /** The delay p99 (ms) since the last call; by default the process's own event loop. */
  delayP99?: () => number;
}

/**
 * Keeps the event loop responsive for what cannot wait by adapting how
 * much deferrable work runs at once (additive increase, multiplicative
 * decrease, as TCP's congestion control). Everything the platform does
 * shares one event loop; once it is saturated, every new task, an alert's
 * included, waits behind all that is ready. The pipeline's second half
 * (redact, seal, publish) is most of the work and can wait in its queue,
 * so when the loop's delay p99 over a period passes `highMs` the number of
 * publishes at once halves, and while it stays under `lowMs` it grows by
 * one, up to `max`.
 */
export class LoopGovernor {
  private current: number;
  private readonly timer: NodeJS.Timeout;
  private readonly stop: () => void;

  constructor(private readonly opts: LoopGovernorOptions) {
    this.current = opts.max;
    let delayP99 = opts.delayP99;
    if (delayP99) this.stop = () => undefined;
    else {
      const h = monitorEventLoopDelay({ resolution: 10 });
      h.enable();
      delayP99 = () => {
        const ms = h.count > 0 ? h.percentile(99) / 1e6 : 0;
        h.reset();
        return ms;
      };
      this.stop = () => h.disable();
    }
    const sample = delayP99;
    this.timer = setInterval(() => this.adjust(sample()), opts.everyMs).unref();
  }

  get limit(): number {
    return this.current;
  }

  close(): void {
    clearInterval(this.timer);
    this.stop();
  }

  private adjust(delayMs: number): void {
    const o = this.opts;
    const next =
      delayMs > o.highMs
        ? Math.max(1, Math.ceil(this.current / 2))
        : delayMs < o.lowMs
          ? Math.min(o.max, this.current + 1)
          : this.current;
    if (next === this.current) return;
    this.current = next;
    o.onChange(next);
  }
}
