import { describe, expect, it } from 'vitest';
import { KeyCache } from './key-cache.js';

const key = (n: number) => new Uint8Array(32).fill(n);

describe('in-memory key cache', () => {
  it('keeps at most its capacity, dropping the least recently used first', () => {
    const cache = new KeyCache(3);
    for (const n of [1, 2, 3]) cache.set(`k${n}`, key(n));
    expect(cache.get('k1')).toEqual(key(1)); // k1 is now the most recent
    cache.set('k4', key(4));
    expect(cache.size).toBe(3);
    expect(cache.get('k2')).toBeUndefined();
    for (const n of [1, 3, 4]) expect(cache.get(`k${n}`)).toEqual(key(n));
  });

  it('holds and hands out copies, so callers may wipe theirs', () => {
    const cache = new KeyCache(2);
    const mine = key(7);
    cache.set('a', mine);
    mine.fill(0);
    const got = cache.get('a')!;
    got.fill(0);
    expect(cache.get('a')).toEqual(key(7));
  });

  it('drops every entry of one patient by prefix, and wipes what it drops', () => {
    const cache = new KeyCache(10);
    const held: Uint8Array[] = [];
    const spy = (name: string, n: number) => {
      cache.set(name, key(n));
      // Reach the stored copy to see it wiped (the class hands out copies only).
      held.push((cache as unknown as { entries: Map<string, Uint8Array> }).entries.get(name)!);
    };
    spy('pt-1\n', 1);
    spy('pt-1\nN\n1', 2);
    spy('pt-10\n', 3);
    cache.deletePrefix('pt-1\n');
    expect(cache.size).toBe(1);
    expect(cache.get('pt-10\n')).toEqual(key(3));
    expect(held[0]).toEqual(new Uint8Array(32));
    expect(held[1]).toEqual(new Uint8Array(32));
  });
});
