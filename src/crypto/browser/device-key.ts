import { toBase64url } from './base64url.js';
import { subtle, type WebKey } from './web-crypto.js';

/**
 * A caregiver's browser device key (DESIGN.md "Keys"; issue 4 item 6): an
 * X25519 key pair made with WebCrypto whose private half is NOT extractable,
 * so no script, this app's included, can read it out; the browser keeps the
 * CryptoKey objects (IndexedDB stores them by structured clone, not bytes).
 * Only the raw public key (RFC 7748 §5, 32 bytes) leaves, to be registered.
 */
export interface DeviceKeyPair {
  privateKey: WebKey;
  publicKey: WebKey;
}

export async function generateDeviceKey(): Promise<DeviceKeyPair> {
  const pair = (await subtle().generateKey({ name: 'X25519' }, false, ['deriveBits'])) as {
    privateKey: WebKey;
    publicKey: WebKey;
  };
  return { privateKey: pair.privateKey, publicKey: pair.publicKey };
}

/** The base64url raw public key, as POST /app/devices takes it (43 characters). */
export async function publicKeyOf(pair: DeviceKeyPair): Promise<string> {
  return toBase64url(new Uint8Array(await subtle().exportKey('raw', pair.publicKey)));
}
