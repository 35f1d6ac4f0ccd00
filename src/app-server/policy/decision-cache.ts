/**
 * A bounded least-recently-used map of decisions. A decision depends on its
 * request alone (the policies of an engine never change), so a repeated
 * request, e.g. the same caregiver fetching the next reading, skips Cedar.
 */
export class DecisionCache<V> {
  private readonly map = new Map<string, V>();

  constructor(private readonly max = 4096) {}

  get(key: string): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      // Map keeps insertion order: re-inserting marks the entry as recent.
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }

  set(key: string, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    if (this.map.size > this.max) {
      const oldest = this.map.keys().next();
      if (!oldest.done) this.map.delete(oldest.value);
    }
  }

  get size(): number {
    return this.map.size;
  }
}
