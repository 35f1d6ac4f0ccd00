import { Rsc, TutelaError } from '../../core/errors.js';

/**
 * base64url without padding (RFC 4648 §5) for code that runs in a browser
 * (no Buffer): the same canonical-only rule as ../encoding.ts (RFC 4648
 * §3.5), so a field cannot be respelt without changing its bytes.
 */

const ALPHABET = /^[A-Za-z0-9_-]*$/;

export function toBase64url(bytes: Uint8Array): string {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** The bytes of a canonical base64url string; anything else is an `invalid_encoding` error. */
export function fromBase64url(text: string): Uint8Array {
  if (!ALPHABET.test(text) || text.length % 4 === 1) throw invalid();
  let binary: string;
  try {
    binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  } catch {
    throw invalid();
  }
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  // Re-encoding catches non-zero bits in the last character (several spellings of one value).
  if (toBase64url(out) !== text) throw invalid();
  return out;
}

function invalid(): TutelaError {
  return new TutelaError('invalid_encoding', Rsc.BAD_REQUEST, 'not canonical base64url');
}
