import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { Rsc, TutelaError } from '../core/errors.js';

/**
 * AES-256-GCM (NIST SP 800-38D) through node:crypto: the AEAD that seals
 * every RL version with a data key, and wraps patient and data keys.
 *
 * - The IV is 96 bits drawn at random for each seal, the RBG-based
 *   construction of §8.2.2; §8.3 then limits one key to 2^32 seals, which
 *   the per-(patient, RL, epoch) data keys and the key wraps stay far below.
 * - The tag is the full 128 bits (§5.2.1.2 allows shorter; nothing here
 *   needs to), appended to the ciphertext as RFC 5116 §5.1 lays it out.
 * - Opening verifies the tag before any plaintext is returned (§7.2), and
 *   every failure looks the same to the caller: no hint which part was wrong.
 */

export const KEY_BYTES = 32;
export const IV_BYTES = 12;
export const TAG_BYTES = 16;

export interface Sealed {
  iv: Uint8Array;
  /** Ciphertext followed by the 16-byte tag. */
  ct: Uint8Array;
}

export function seal(key: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Sealed {
  checkKey(key);
  const iv = new Uint8Array(randomBytes(IV_BYTES));
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad);
  const ct = concat(cipher.update(plaintext), cipher.final(), cipher.getAuthTag());
  return { iv, ct };
}

/** The plaintext, or `aead_open_failed` if anything (key, IV, ciphertext, tag, AAD) is not as sealed. */
export function open(key: Uint8Array, iv: Uint8Array, ct: Uint8Array, aad: Uint8Array): Uint8Array {
  checkKey(key);
  if (iv.length !== IV_BYTES || ct.length < TAG_BYTES) throw openFailed();
  const body = ct.subarray(0, ct.length - TAG_BYTES);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(aad);
    decipher.setAuthTag(ct.subarray(ct.length - TAG_BYTES));
    // final() throws when the tag does not verify; the update() output is then discarded.
    return concat(decipher.update(body), decipher.final());
  } catch (err) {
    throw openFailed(err);
  }
}

function checkKey(key: Uint8Array): void {
  // A wrong-sized key is a bug in the caller, never client input: a server error.
  if (key.length !== KEY_BYTES)
    throw new TutelaError('invalid_key', Rsc.INTERNAL_SERVER_ERROR, 'an AES-256 key is 32 bytes');
}

function openFailed(cause?: unknown): TutelaError {
  return new TutelaError(
    'aead_open_failed',
    Rsc.BAD_REQUEST,
    'the sealed content could not be opened (tampered, or another key or context)',
    { cause },
  );
}

/** The parts in one fresh array that owns its buffer (not a view into Node's shared pool). */
function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
