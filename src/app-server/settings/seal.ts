import { IV_BYTES, open, seal } from '../../crypto/aead.js';
import { fromBase64url, toBase64url } from '../../crypto/encoding.js';
import type { Keyring } from '../keyring/keyring.js';

/**
 * A patient's sealed settings (thresholds, SpO2 target range): AES-256-GCM
 * under the patient's V data key of the current epoch, bound to the patient
 * (AAD), like the break-the-glass reason (emergency/reason.ts). Erasing the
 * patient shreds them with everything else.
 */
const aad = (pt: string) => new TextEncoder().encode(`tutela/settings/v1|${pt}`);

export async function sealSettings(
  keyring: Pick<Keyring, 'dataKey'>,
  pt: string,
  json: string,
): Promise<{ sealed: string; epoch: number }> {
  const { key, epoch } = await keyring.dataKey(pt, 'V');
  try {
    const s = seal(key, new TextEncoder().encode(json), aad(pt));
    return { sealed: toBase64url(Buffer.concat([s.iv, s.ct])), epoch };
  } finally {
    key.fill(0);
  }
}

/** The settings' JSON; throws when the key is shredded or the seal does not open. */
export async function openSettings(
  keyring: Pick<Keyring, 'dataKeyAt'>,
  r: { pt: string; sealed: string; epoch: number },
): Promise<string> {
  const { key } = await keyring.dataKeyAt(r.pt, 'V', r.epoch);
  try {
    const bytes = fromBase64url(r.sealed);
    return new TextDecoder().decode(
      open(key, bytes.subarray(0, IV_BYTES), bytes.subarray(IV_BYTES), aad(r.pt)),
    );
  } finally {
    key.fill(0);
  }
}
