/**
 * Unwrapped keys kept in memory, least recently used first out. Entries
 * are private copies: every read hands out a fresh copy, so a key can be
 * wiped (filled with zeros) when it leaves the cache without pulling it
 * from under a caller. Wiping is best effort (the garbage collector may
 * have moved a copy), but it keeps a purged key out of later heap dumps.
 * Nothing here is ever logged or written anywhere.
 */
export class KeyCache {
  // A Map iterates in insertion order: re-inserting on each hit keeps the oldest first.
  private readonly entries = new Map<string, Uint8Array>();

  constructor(private readonly capacity: number) {}

  get size(): number {
    return this.entries.size;
  }

  get(name: string): Uint8Array | undefined {
    const key = this.entries.get(name);
    if (!key) return undefined;
    this.entries.delete(name);
    this.entries.set(name, key);
    return new Uint8Array(key);
  }

  set(name: string, key: Uint8Array): void {
    this.delete(name);
    this.entries.set(name, new Uint8Array(key));
    for (const oldest of this.entries.keys()) {
      if (this.entries.size <= this.capacity) break;
      this.delete(oldest);
    }
  }

  /** Drops (and wipes) every entry whose name starts with `prefix`. */
  deletePrefix(prefix: string): void {
    for (const name of [...this.entries.keys()]) if (name.startsWith(prefix)) this.delete(name);
  }

  private delete(name: string): void {
    this.entries.get(name)?.fill(0);
    this.entries.delete(name);
  }
}
