import { open, seal } from './aead.js';
import { fromBase64url, toBase64url } from './encoding.js';
import { versionAad, type SealedVersion } from '../protocol/envelope.js';

export type VersionHeader = Pick<SealedVersion, 'pt' | 'rl' | 'cl' | 'epoch' | 'src' | 'at'>;

/**
 * One RL version of a tick, sealed with the patient's data key for that RL
 * and epoch (AES-256-GCM). Every header field is in the AAD: a version
 * relabelled to another RL, CL, patient or reading no longer opens.
 */
export function sealVersion(
  dataKey: Uint8Array,
  header: VersionHeader,
  body: unknown,
): SealedVersion {
  const { iv, ct } = seal(
    dataKey,
    new TextEncoder().encode(JSON.stringify(body)),
    versionAad(header),
  );
  return { v: 1, typ: 'tutela.version', ...header, iv: toBase64url(iv), ct: toBase64url(ct) };
}

/** The version's content; `aead_open_failed` if the key is wrong or anything was changed. */
export function openVersion(dataKey: Uint8Array, sealed: SealedVersion): unknown {
  const plaintext = open(
    dataKey,
    fromBase64url(sealed.iv),
    fromBase64url(sealed.ct),
    versionAad(sealed),
  );
  return JSON.parse(new TextDecoder().decode(plaintext));
}
