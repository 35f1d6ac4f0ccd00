import { randomBytes } from 'node:crypto';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** A random identifier of `length` lowercase letters and digits (about 5.2 bits each). */
export function randomId(length = 16): string {
  const bytes = randomBytes(length);
  let out = '';
  // 252 = 7 * 36: bytes at or above it are skipped so every character is equally likely.
  for (let i = 0; out.length < length; i++) {
    if (i >= bytes.length) return out + randomId(length - out.length);
    const b = bytes[i]!;
    if (b < 252) out += ALPHABET[b % 36];
  }
  return out;
}
