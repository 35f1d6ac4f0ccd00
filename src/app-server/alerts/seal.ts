import type { Logger } from '../../core/log.js';
import type { Keyring } from '../keyring/keyring.js';
import { openPatientText, sealPatientText } from '../keyring/patient-text.js';

/**
 * A finding's sentence says something about the patient ("NEWS2 7"), so it
 * is stored sealed under the patient's key, bound to the patient and the
 * alert (keyring/patient-text.ts).
 */
const context = (pt: string, alert: string) => `tutela/alert/v1|${pt}|${alert}`;

export function sealText(
  keyring: Pick<Keyring, 'dataKey'>,
  pt: string,
  alert: string,
  text: string,
): Promise<{ sealed: string; epoch: number }> {
  return sealPatientText(keyring, pt, context(pt, alert), text);
}

/** The text, or null once the patient is erased (their key shredded) or it does not open. */
export async function openText(
  keyring: Pick<Keyring, 'dataKeyAt'>,
  log: Logger,
  r: { pt: string; alert: string; sealed: string; epoch: number },
): Promise<string | null> {
  try {
    return await openPatientText(keyring, r.pt, context(r.pt, r.alert), r);
  } catch (err) {
    log.debug({ err, alert: r.alert }, 'alert text not readable');
    return null;
  }
}
