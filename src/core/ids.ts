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
