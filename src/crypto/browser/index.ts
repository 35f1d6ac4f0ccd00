/**
 * Crypto for code that runs in a browser: WebCrypto only (no node:crypto,
 * no Buffer). The caregiver web app opens versions with it; it is unit
 * tested in Node against the server-side sealing code.
 */
export { toBase64url, fromBase64url } from './base64url.js';
export { generateDeviceKey, publicKeyOf, type DeviceKeyPair } from './device-key.js';
export { unwrapDataKey } from './key-release.js';
export { openVersionInBrowser } from './open-version.js';
export type { WebKey } from './web-crypto.js';
