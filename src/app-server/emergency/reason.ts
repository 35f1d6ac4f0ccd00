import type { Logger } from '../../core/log.js';
import type { Keyring } from '../keyring/keyring.js';
import { openPatientText, sealPatientText } from '../keyring/patient-text.js';

/**
 * The reason given for emergency access may say something about the
 * patient, so it is kept sealed under the patient's key, bound to the
 * patient and the grant (keyring/patient-text.ts).
 */
const context = (pt: string, grant: string) => `tutela/break-glass/v1|${pt}|${grant}`;

/** The sealed reason (iv ‖ ct, base64url) and the epoch of the key that sealed it. */
export function sealReason(
  keyring: Pick<Keyring, 'dataKey'>,
  pt: string,
  grant: string,
  reason: string,
): Promise<{ sealed: string; epoch: number }> {
  return sealPatientText(keyring, pt, context(pt, grant), reason);
}

/** The reason, or null once the patient is erased (their key shredded) or it does not open. */
export async function openReason(
  keyring: Pick<Keyring, 'dataKeyAt'>,
  log: Logger,
  r: { pt: string; grant: string; sealed: string; epoch: number },
): Promise<string | null> {
  try {
    return await openPatientText(keyring, r.pt, context(r.pt, r.grant), r);
  } catch (err) {
    log.debug({ err, grant: r.grant }, 'break-glass reason not readable');
    return null;
  }
}
