import type { Logger } from '../../core/log.js';
import { IV_BYTES, open, seal } from '../../crypto/aead.js';
import { fromBase64url, toBase64url } from '../../crypto/encoding.js';
import type { Keyring } from '../keyring/keyring.js';

/**
 * The reason given for emergency access may say something about the
 * patient, so it is kept sealed: AES-256-GCM under the patient's V data key
 * of the current epoch, bound to the patient and the grant (AAD). Erasing
 * the patient shreds it with everything else.
 */
const aad = (pt: string, grant: string) =>
  new TextEncoder().encode(`tutela/break-glass/v1|${pt}|${grant}`);

/** The sealed reason (iv ‖ ct, base64url) and the epoch of the key that sealed it. */
export async function sealReason(
  keyring: Pick<Keyring, 'dataKey'>,
  pt: string,
  grant: string,
  reason: string,
): Promise<{ sealed: string; epoch: number }> {
  const { key, epoch } = await keyring.dataKey(pt, 'V');
  try {
    const s = seal(key, new TextEncoder().encode(reason), aad(pt, grant));
    return { sealed: toBase64url(Buffer.concat([s.iv, s.ct])), epoch };
  } finally {
    key.fill(0);
  }
}

/** The reason, or null once the patient is erased (their key shredded) or it does not open. */
export async function openReason(
  keyring: Pick<Keyring, 'dataKeyAt'>,
  log: Logger,
  r: { pt: string; grant: string; sealed: string; epoch: number },
): Promise<string | null> {
  try {
    const { key } = await keyring.dataKeyAt(r.pt, 'V', r.epoch);
    try {
      const bytes = fromBase64url(r.sealed);
      return new TextDecoder().decode(
        open(key, bytes.subarray(0, IV_BYTES), bytes.subarray(IV_BYTES), aad(r.pt, r.grant)),
      );
    } finally {
      key.fill(0);
    }
  } catch (err) {
    log.debug({ err, grant: r.grant }, 'break-glass reason not readable');
    return null;
  }
}
