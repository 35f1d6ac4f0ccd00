import type { Keyring } from '../keyring/keyring.js';
import { openPatientText, sealPatientText } from '../keyring/patient-text.js';

/**
 * A patient's sealed settings (thresholds, SpO2 target range), bound to the
 * patient (keyring/patient-text.ts).
 */
const context = (pt: string) => `tutela/settings/v1|${pt}`;

export function sealSettings(
  keyring: Pick<Keyring, 'dataKey'>,
  pt: string,
  json: string,
): Promise<{ sealed: string; epoch: number }> {
  return sealPatientText(keyring, pt, context(pt), json);
}

/** The settings' JSON; throws when the key is shredded or the seal does not open. */
export function openSettings(
  keyring: Pick<Keyring, 'dataKeyAt'>,
  r: { pt: string; sealed: string; epoch: number },
): Promise<string> {
  return openPatientText(keyring, r.pt, context(r.pt), r);
}
