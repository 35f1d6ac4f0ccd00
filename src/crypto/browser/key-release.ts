import { Aes256Gcm, CipherSuite, DhkemX25519HkdfSha256, HkdfSha256 } from '@hpke/core';
import { Rsc, TutelaError } from '../../core/errors.js';
import { HPKE_INFO, wrappedKeyAad, type WrappedKey } from '../../protocol/envelope.js';
import { fromBase64url } from './base64url.js';
import type { DeviceKeyPair } from './device-key.js';
import { buffer, subtle, type WebKey } from './web-crypto.js';

// The key service's suite (../hpke.ts): DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-256-GCM.
const suite = new CipherSuite({
  kem: new DhkemX25519HkdfSha256(),
  kdf: new HkdfSha256(),
  aead: new Aes256Gcm(),
});

/**
 * Unwraps a data key released by the key service (RFC 9180 base mode,
 * §5.1.1, info "tutela key release v1", the header fields as AAD) with the
 * browser's non-extractable device key, and imports it at once as a
 * non-extractable AES-GCM key for decryption only; the raw bytes are wiped.
 */
export async function unwrapDataKey(wrapped: WrappedKey, device: DeviceKeyPair): Promise<WebKey> {
  let raw: Uint8Array;
  try {
    raw = new Uint8Array(
      await suite.open(
        {
          recipientKey: { privateKey: device.privateKey, publicKey: device.publicKey },
          enc: buffer(fromBase64url(wrapped.enc)),
          info: buffer(HPKE_INFO.keyRelease),
        },
        buffer(fromBase64url(wrapped.ct)),
        buffer(wrappedKeyAad(wrapped)),
      ),
    );
  } catch (err) {
    throw new TutelaError(
      'hpke_open_failed',
      Rsc.BAD_REQUEST,
      'the data key could not be unwrapped with this device key',
      { cause: err },
    );
  }
  try {
    return await subtle().importKey('raw', buffer(raw), { name: 'AES-GCM' }, false, ['decrypt']);
  } finally {
    raw.fill(0);
  }
}
