import { IV_BYTES, open, seal } from '../../crypto/aead.js';
import { fromBase64url, toBase64url } from '../../crypto/encoding.js';
import type { Keyring } from './keyring.js';

/**
 * A short text about a patient kept sealed at rest (a break-the-glass
 * reason, an alert's finding, clinical settings, a command's parameters):
 * AES-256-GCM under the patient's V data key of the current epoch, bound by
 * the AAD to what it belongs to (`context`, e.g. `tutela/alert/v1|pt|id`).
 * Erasing the patient shreds it with everything else.
 */
export interface SealedText {
  /** iv ‖ ct, base64url. */
  sealed: string;
  /** The epoch of the data key that sealed it. */
  epoch: number;
}

export async function sealPatientText(
  keyring: Pick<Keyring, 'dataKey'>,
  pt: string,
  context: string,
  text: string,
): Promise<SealedText> {
  const { key, epoch } = await keyring.dataKey(pt, 'V');
  try {
    const s = seal(key, new TextEncoder().encode(text), new TextEncoder().encode(context));
    return { sealed: toBase64url(Buffer.concat([s.iv, s.ct])), epoch };
  } finally {
    key.fill(0);
  }
}

/** The text; throws when the patient's key is shredded or the seal does not open in `context`. */
export async function openPatientText(
  keyring: Pick<Keyring, 'dataKeyAt'>,
  pt: string,
  context: string,
  s: SealedText,
): Promise<string> {
  const { key } = await keyring.dataKeyAt(pt, 'V', s.epoch);
  try {
    const bytes = fromBase64url(s.sealed);
    return new TextDecoder().decode(
      open(
        key,
        bytes.subarray(0, IV_BYTES),
        bytes.subarray(IV_BYTES),
        new TextEncoder().encode(context),
      ),
    );
  } finally {
    key.fill(0);
  }
}
