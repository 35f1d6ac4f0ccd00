/**
 * The WebCrypto types as both a browser (DOM lib) and Node (its webcrypto
 * global) see them, so the browser crypto code type-checks, and is unit
 * tested, in both.
 */
export type Subtle = typeof globalThis.crypto.subtle;
export type WebKey = Awaited<ReturnType<Subtle['importKey']>>;

export const subtle = (): Subtle => globalThis.crypto.subtle;

/** A fresh ArrayBuffer holding exactly these bytes (WebCrypto and @hpke/core take ArrayBuffers). */
export function buffer(bytes: Uint8Array): ArrayBuffer {
  const out = new Uint8Array(bytes.length);
  out.set(bytes);
  return out.buffer;
}
