/**
 * A fixed-window counter per key (the client's IP): at most `max` attempts
 * per `windowMs`. Memory is bounded: windows that ended are dropped as new
 * keys arrive, and past `maxKeys` keys the oldest windows go first.
 */
export class RateLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(
    private readonly max: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
    private readonly maxKeys = 100_000,
  ) {}

  /** Counts an attempt; returns 0 if it may go on, else the seconds to wait (for Retry-After). */
  hit(key: string): number {
    const at = this.now();
    let w = this.windows.get(key);
    if (!w || at - w.start >= this.windowMs) {
      if (w) this.windows.delete(key);
      this.prune(at);
      w = { start: at, count: 0 };
      this.windows.set(key, w);
    }
    w.count++;
    if (w.count <= this.max) return 0;
    return Math.max(1, Math.ceil((w.start + this.windowMs - at) / 1000));
  }

  private prune(at: number): void {
    // Map keeps insertion order, and a window is re-inserted when it restarts: oldest first.
    for (const [k, w] of this.windows) {
      if (at - w.start < this.windowMs && this.windows.size < this.maxKeys) break;
      this.windows.delete(k);
    }
  }
}
