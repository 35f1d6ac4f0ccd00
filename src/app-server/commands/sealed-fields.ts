import type { Logger } from '../../core/log.js';
import type { Keyring } from '../keyring/keyring.js';
import { openPatientText, sealPatientText } from '../keyring/patient-text.js';

/**
 * A command's parameters (a dose is a prescription) and what the device
 * answered (a spot check is a reading) say something about the patient, so
 * they are kept sealed at rest under the patient's key, bound to the
 * patient, the command and the field (keyring/patient-text.ts).
 */
export type SealedField = 'params' | 'result';

const context = (pt: string, id: string, field: SealedField) =>
  `tutela/command/v1|${pt}|${id}|${field}`;

/** `value` as JSON, sealed (iv ‖ ct, base64url), and the epoch of the key that sealed it. */
export function sealField(
  keyring: Pick<Keyring, 'dataKey'>,
  pt: string,
  id: string,
  field: SealedField,
  value: unknown,
): Promise<{ sealed: string; epoch: number }> {
  return sealPatientText(keyring, pt, context(pt, id, field), JSON.stringify(value));
}

/** The value, or null once the patient is erased (their key shredded) or it does not open. */
export async function openField(
  keyring: Pick<Keyring, 'dataKeyAt'>,
  log: Logger,
  r: { pt: string; id: string; field: SealedField; sealed: string; epoch: number },
): Promise<unknown> {
  try {
    return JSON.parse(
      await openPatientText(keyring, r.pt, context(r.pt, r.id, r.field), r),
    ) as unknown;
  } catch (err) {
    log.debug({ err, command: r.id, field: r.field }, 'sealed command field not readable');
    return null;
  }
}
