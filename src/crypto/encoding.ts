import { Rsc, TutelaError } from '../core/errors.js';

/**
 * base64url without padding (RFC 4648 §5), the encoding of every binary
 * field Tutela stores or sends. Node's decoder is lenient: it skips
 * characters outside the alphabet, accepts padding and ignores non-zero
 * trailing bits, so several strings decode to the same bytes. Decoding here
 * accepts only the one canonical string for each byte sequence (RFC 4648
 * §3.5), so a value cannot be altered in transit without changing its bytes.
 */

const ALPHABET = /^[A-Za-z0-9_-]*$/;

export function toBase64url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
}

/** The bytes of a canonical base64url string; anything else is an `invalid_encoding` error. */
export function fromBase64url(text: string): Uint8Array {
  // A length of 4n+1 characters cannot encode whole bytes.
  if (!ALPHABET.test(text) || text.length % 4 === 1) throw invalid();
  const bytes = Buffer.from(text, 'base64url');
  // Re-encoding catches non-zero bits in the last character (several spellings of one value).
  if (bytes.toString('base64url') !== text) throw invalid();
  // A copy with its own ArrayBuffer: Node decodes short strings into a shared pool, and a
  // caller holding a key must be able to wipe it without touching anyone else's bytes.
  const out = new Uint8Array(bytes);
  bytes.fill(0);
  return out;
}

function invalid(): TutelaError {
  return new TutelaError('invalid_encoding', Rsc.BAD_REQUEST, 'not canonical base64url');
}
