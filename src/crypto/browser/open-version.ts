import { Rsc, TutelaError } from '../../core/errors.js';
import { versionAad, type SealedVersion } from '../../protocol/envelope.js';
import { fromBase64url } from './base64url.js';
import { buffer, subtle, type WebKey } from './web-crypto.js';

/**
 * Opens one sealed RL version in the browser (AES-256-GCM, NIST SP 800-38D,
 * 128-bit tag appended as RFC 5116 §5.1 lays it out, the same layout
 * WebCrypto uses). Every header field is in the AAD (../versions.ts), so a
 * version relabelled to another RL, CL, patient or reading does not open.
 */
export async function openVersionInBrowser(key: WebKey, sealed: SealedVersion): Promise<unknown> {
  let plaintext: ArrayBuffer;
  try {
    plaintext = await subtle().decrypt(
      {
        name: 'AES-GCM',
        iv: buffer(fromBase64url(sealed.iv)),
        additionalData: buffer(versionAad(sealed)),
        tagLength: 128,
      },
      key,
      buffer(fromBase64url(sealed.ct)),
    );
  } catch (err) {
    throw new TutelaError(
      'aead_open_failed',
      Rsc.BAD_REQUEST,
      'the sealed content could not be opened (tampered, or another key or context)',
      { cause: err },
    );
  }
  return JSON.parse(new TextDecoder().decode(plaintext));
}
