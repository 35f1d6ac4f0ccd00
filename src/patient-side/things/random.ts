/**
 * Deterministic randomness for the simulated patients. Two kinds:
 *
 * - `sequence(seed)`: a seeded PRNG (mulberry32) for one-off draws such as a
 *   patient's baseline, taken in a fixed order at construction.
 * - `SeededNoise`: counter-based noise, a pure function of (seed, stream,
 *   index). Measurement noise and artefacts are drawn from it by time bucket,
 *   so a value depends only on the seed and the simulated time, never on how
 *   many times (or by how many consumers) a property was read.
 */

/** FNV-1a (32-bit) of a string: turns a patient id into a default seed. */
export function seedFrom(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** mulberry32: a small, fast 32-bit PRNG; returns draws in [0, 1). */
export function sequence(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The murmur3 finaliser: spreads every input bit over the whole word. */
function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export class SeededNoise {
  private readonly streams = new Map<string, number>();

  constructor(readonly seed: number) {}

  /** Uniform in [0, 1) for (stream, index); index may be any integer a double holds. */
  uniform(stream: string, index: number): number {
    let s = this.streams.get(stream);
    if (s === undefined) this.streams.set(stream, (s = mix(this.seed ^ seedFrom(stream))));
    const i = Math.floor(index);
    const lo = i >>> 0;
    const hi = Math.floor(i / 4294967296) >>> 0;
    return mix(mix(s ^ lo) + Math.imul(hi ^ 0x9e3779b9, 0x85ebca6b)) / 4294967296;
  }

  /** Standard normal for (stream, index), by Box-Muller over two uniforms. */
  normal(stream: string, index: number): number {
    const u1 = 1 - this.uniform(stream, 2 * index); // (0, 1]: log(0) never happens
    const u2 = this.uniform(stream, 2 * index + 1);
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }

  /**
   * Smooth noise at position x (value noise): normal draws at the integers,
   * joined by smoothstep. Used for slow physiological drift, which wanders
   * rather than jumps.
   */
  smooth(stream: string, x: number): number {
    const i = Math.floor(x);
    const f = x - i;
    const w = f * f * (3 - 2 * f);
    return this.normal(stream, i) * (1 - w) + this.normal(stream, i + 1) * w;
  }
}
