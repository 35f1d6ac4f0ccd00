import { createHmac, randomBytes } from 'node:crypto';
import { KEY_BYTES, open, seal, type Sealed } from '../../crypto/aead.js';
import { toBase64url } from '../../crypto/encoding.js';
import { Rsc, TutelaError } from '../../core/errors.js';
import type { Confidentiality } from '../../protocol/levels.js';

/**
 * Key wrapping with AES-256-GCM (crypto/aead.ts). The AAD names what the
 * wrapped key is for, so a wrapped key copied onto another row (another
 * patient, RL or epoch, or a data key passed off as a patient key) no longer
 * unwraps: GCM authenticates the AAD with the key (NIST SP 800-38D §7.1).
 */

const utf8 = new TextEncoder();

/** A data key wrapped for one RL (its epoch is in the AAD and the row). */
export interface WrappedDataKey extends Sealed {
  rl: Confidentiality;
}

/** A fresh random 256-bit key. */
export function newKey(): Uint8Array {
  return new Uint8Array(randomBytes(KEY_BYTES));
}

function patientKeyAad(pt: string): Uint8Array {
  return utf8.encode(`tutela.patient-key.v1\n${pt}`);
}

function dataKeyAad(pt: string, rl: Confidentiality, epoch: number): Uint8Array {
  return utf8.encode(`tutela.data-key.v1\n${pt}\n${rl}\n${epoch}`);
}

export function wrapPatientKey(kek: Uint8Array, pt: string, key: Uint8Array): Sealed {
  return seal(kek, key, patientKeyAad(pt));
}

export function unwrapPatientKey(kek: Uint8Array, pt: string, wrapped: Sealed): Uint8Array {
  return unwrap(() => open(kek, wrapped.iv, wrapped.ct, patientKeyAad(pt)), `patient ${pt}`);
}

export function wrapDataKey(
  patientKey: Uint8Array,
  pt: string,
  rl: Confidentiality,
  epoch: number,
  key: Uint8Array,
): Sealed {
  return seal(patientKey, key, dataKeyAad(pt, rl, epoch));
}

export function unwrapDataKey(
  patientKey: Uint8Array,
  pt: string,
  rl: Confidentiality,
  epoch: number,
  wrapped: Sealed,
): Uint8Array {
  return unwrap(
    () => open(patientKey, wrapped.iv, wrapped.ct, dataKeyAad(pt, rl, epoch)),
    `patient ${pt}, RL ${rl}, epoch ${epoch}`,
  );
}

/**
 * A public name for a master key: HMAC-SHA256 (RFC 2104) keyed by it, over
 * a fixed label, truncated to 128 bits. Stored beside each wrapped patient
 * key, it tells a wrong master key apart from a damaged row, and reveals
 * nothing of the key (HMAC is a PRF).
 */
export function kekId(kek: Uint8Array): string {
  const mac = createHmac('sha256', kek).update('tutela.kek-id.v1').digest();
  return toBase64url(mac.subarray(0, 16));
}

function unwrap(open: () => Uint8Array, what: string): Uint8Array {
  try {
    const key = open();
    if (key.length !== KEY_BYTES) throw new RangeError(`unwrapped ${key.length} bytes`);
    return key;
  } catch (err) {
    throw new TutelaError(
      'key_unwrap_failed',
      Rsc.INTERNAL_SERVER_ERROR,
      `the stored key of ${what} does not unwrap (damaged, or moved from another row)`,
      { cause: err },
    );
  }
}
