import { randomFillSync } from 'node:crypto';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
// Random bytes are drawn 4 KiB at a time: one CSPRNG call per ~250 ids, not one per id.
const pool = Buffer.alloc(4096);
let offset = pool.length;

function nextByte(): number {
  if (offset === pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  return pool[offset++]!;
}

/** A random identifier of `length` lowercase letters and digits (about 5.2 bits each). */
export function randomId(length = 16): string {
  let out = '';
  while (out.length < length) {
    const b = nextByte();
    // 252 = 7 × 36: higher bytes are skipped so every character is equally likely.
    if (b < 252) out += ALPHABET[b % 36];
  }
  return out;
}

/**
 * A random identifier that sorts by creation time: 9 base-36 characters of
 * the millisecond clock, then `randomLength` random ones. Inserted as a
 * database key it lands next to the previous one instead of on a random
 * index page, which keeps each commit's writes small. It reveals the
 * creation time, which the resource carries anyway (ct).
 */
export function sortableId(randomLength = 10): string {
  return Date.now().toString(36).padStart(9, '0') + randomId(randomLength);
}
