import type { Logger } from '../../core/log.js';
import { IV_BYTES, open, seal } from '../../crypto/aead.js';
import { fromBase64url, toBase64url } from '../../crypto/encoding.js';
import type { Keyring } from '../keyring/keyring.js';

/**
 * A finding's sentence says something about the patient ("NEWS2 7"), so it
 * is stored sealed like a break-the-glass reason (emergency/reason.ts):
 * AES-256-GCM under the patient's V data key of the current epoch, bound to
 * the patient and the alert (AAD). Erasing the patient shreds it.
 */
const aad = (pt: string, alert: string) =>
  new TextEncoder().encode(`tutela/alert/v1|${pt}|${alert}`);

export async function sealText(
  keyring: Pick<Keyring, 'dataKey'>,
  pt: string,
  alert: string,
  text: string,
): Promise<{ sealed: string; epoch: number }> {
  const { key, epoch } = await keyring.dataKey(pt, 'V');
  try {
    const s = seal(key, new TextEncoder().encode(text), aad(pt, alert));
    return { sealed: toBase64url(Buffer.concat([s.iv, s.ct])), epoch };
  } finally {
    key.fill(0);
  }
}

/** The text, or null once the patient is erased (their key shredded) or it does not open. */
export async function openText(
  keyring: Pick<Keyring, 'dataKeyAt'>,
  log: Logger,
  r: { pt: string; alert: string; sealed: string; epoch: number },
): Promise<string | null> {
  try {
    const { key } = await keyring.dataKeyAt(r.pt, 'V', r.epoch);
    try {
      const bytes = fromBase64url(r.sealed);
      return new TextDecoder().decode(
        open(key, bytes.subarray(0, IV_BYTES), bytes.subarray(IV_BYTES), aad(r.pt, r.alert)),
      );
    } finally {
      key.fill(0);
    }
  } catch (err) {
    log.debug({ err, alert: r.alert }, 'alert text not readable');
    return null;
  }
}
