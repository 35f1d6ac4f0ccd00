import type { Logger } from '../../core/log.js';
import { IV_BYTES, open, seal } from '../../crypto/aead.js';
import { fromBase64url, toBase64url } from '../../crypto/encoding.js';
import type { Keyring } from '../keyring/keyring.js';

/**
 * A command's parameters (a dose is a prescription) and what the device
 * answered (a spot check is a reading) say something about the patient, so
 * they are kept sealed at rest, as the break-glass reason is
 * (emergency/reason.ts): AES-256-GCM under the patient's V data key of the
 * current epoch, bound to the patient, the command and the field (AAD).
 * Erasing the patient shreds them with everything else.
 */
export type SealedField = 'params' | 'result';

const aad = (pt: string, id: string, field: SealedField) =>
  new TextEncoder().encode(`tutela/command/v1|${pt}|${id}|${field}`);

/** `value` as JSON, sealed (iv ‖ ct, base64url), and the epoch of the key that sealed it. */
export async function sealField(
  keyring: Pick<Keyring, 'dataKey'>,
  pt: string,
  id: string,
  field: SealedField,
  value: unknown,
): Promise<{ sealed: string; epoch: number }> {
  const { key, epoch } = await keyring.dataKey(pt, 'V');
  try {
    const s = seal(key, new TextEncoder().encode(JSON.stringify(value)), aad(pt, id, field));
    return { sealed: toBase64url(Buffer.concat([s.iv, s.ct])), epoch };
  } finally {
    key.fill(0);
  }
}

/** The value, or null once the patient is erased (their key shredded) or it does not open. */
export async function openField(
  keyring: Pick<Keyring, 'dataKeyAt'>,
  log: Logger,
  r: { pt: string; id: string; field: SealedField; sealed: string; epoch: number },
): Promise<unknown> {
  try {
    const { key } = await keyring.dataKeyAt(r.pt, 'V', r.epoch);
    try {
      const bytes = fromBase64url(r.sealed);
      const plain = open(
        key,
        bytes.subarray(0, IV_BYTES),
        bytes.subarray(IV_BYTES),
        aad(r.pt, r.id, r.field),
      );
      return JSON.parse(new TextDecoder().decode(plain)) as unknown;
    } finally {
      key.fill(0);
    }
  } catch (err) {
    log.debug({ err, command: r.id, field: r.field }, 'sealed command field not readable');
    return null;
  }
}
