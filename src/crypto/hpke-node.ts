import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  createSecretKey,
  hkdfSync,
  type KeyObject,
} from 'node:crypto';
import {
  AeadId,
  CipherSuite,
  DhkemX25519HkdfSha256,
  HkdfSha256,
  type AeadEncryptionContext,
  type AeadInterface,
  type SenderContextParams,
} from '@hpke/core';
import type { DhkemPrimitives } from '@hpke/common';
import { buffer, bytes, NodeX25519Primitives } from './x25519.js';

/**
 * @hpke/core's suite 0x0020/0x0001/0x0002 with its primitives on node:crypto.
 *
 * The library runs every primitive through WebCrypto: an auth-mode open is
 * about twenty SubtleCrypto calls (HMAC and HKDF key imports and signs,
 * X25519 imports, exports and deriveBits, an AES-GCM import and decrypt),
 * each an async job on Node's threadpool with its key objects, ~1,000 µs in
 * all where its two X25519 agreements cost 2 × 36 µs. Here the same calls are
 * synchronous node:crypto ones (`diffieHellman`, `createHmac`, `hkdfSync`,
 * `createDecipheriv`); the methods stay async for the library, so an open
 * resolves in microtasks, without a trip through the event loop.
 *
 * The protocol (labels, DHKEM's encap and decap, the key schedule, nonces,
 * sequence numbers) stays the library's. The KDF and the AEAD come in
 * through its documented extension points (a KdfInterface subclassing its
 * HkdfSha256, an AeadInterface); the KEM has none short of reimplementing
 * DHKEM, so NodeDhkemX25519 replaces the primitives and KDF of the library's
 * own DhkemX25519HkdfSha256, two protected fields of @hpke/common's Dhkem.
 * Both packages are pinned to exact versions (package.json) and the
 * constructor refuses a Dhkem without those fields; hpke-vectors.test.ts
 * checks the RFC 9180 vectors, hpke-node.test.ts that no WebCrypto call is
 * made (docs/decisions.md).
 *
 * Node-only: the browser (src/crypto/browser) keeps @hpke/core on WebCrypto.
 */

const HASH = 'sha256';
const HASH_BYTES = 32;
const TAG_BYTES = 16;

/** HKDF-SHA256 (RFC 5869) over node:crypto; the labelled forms (RFC 9180 §4) stay the library's. */
export class NodeHkdfSha256 extends HkdfSha256 {
  override async extract(
    salt: ArrayBufferLike | ArrayBufferView,
    ikm: ArrayBufferLike | ArrayBufferView,
  ): Promise<ArrayBuffer> {
    // An empty salt is HashLen zero bytes (RFC 5869 §2.2): the same HMAC key once padded.
    return buffer(createHmac(HASH, bytes(salt)).update(bytes(ikm)).digest());
  }

  /** RFC 5869 §2.3 (node:crypto offers Expand only behind Extract, in hkdfSync). */
  override async expand(
    prk: ArrayBufferLike | ArrayBufferView,
    info: ArrayBufferLike | ArrayBufferView,
    len: number,
  ): Promise<ArrayBuffer> {
    if (len > 255 * HASH_BYTES) throw new Error('HKDF-Expand: too long an output');
    const key = createSecretKey(bytes(prk));
    const okm = new Uint8Array(len);
    let t = new Uint8Array(0);
    for (let i = 1, at = 0; at < len; i++, at += HASH_BYTES) {
      t = createHmac(HASH, key).update(t).update(bytes(info)).update(Uint8Array.of(i)).digest();
      okm.set(t.subarray(0, Math.min(HASH_BYTES, len - at)), at);
    }
    return okm.buffer;
  }

  override async extractAndExpand(
    salt: ArrayBufferLike | ArrayBufferView,
    ikm: ArrayBufferLike | ArrayBufferView,
    info: ArrayBufferLike | ArrayBufferView,
    len: number,
  ): Promise<ArrayBuffer> {
    return hkdfSync(HASH, bytes(ikm), bytes(salt), bytes(info), len);
  }
}

/** AES-256-GCM (AEAD id 0x0002) with the nonce and AAD the library's context gives. */
export class NodeAes256Gcm implements AeadInterface {
  readonly id = AeadId.Aes256Gcm;
  readonly keySize = 32;
  readonly nonceSize = 12;
  readonly tagSize = TAG_BYTES;

  createEncryptionContext(key: ArrayBufferLike | ArrayBufferView): AeadEncryptionContext {
    return new NodeAesGcmContext(key);
  }
}

class NodeAesGcmContext implements AeadEncryptionContext {
  readonly #key: KeyObject;

  constructor(key: ArrayBufferLike | ArrayBufferView) {
    const raw = bytes(key);
    this.#key = createSecretKey(raw);
    // As the library's own AES-GCM context does: the key schedule's copy is not kept.
    raw.fill(0);
  }

  async seal(
    iv: ArrayBufferLike | ArrayBufferView,
    data: ArrayBufferLike | ArrayBufferView,
    aad: ArrayBufferLike | ArrayBufferView,
  ): Promise<ArrayBuffer> {
    const cipher = createCipheriv('aes-256-gcm', this.#key, bytes(iv), {
      authTagLength: TAG_BYTES,
    });
    cipher.setAAD(bytes(aad));
    return joined(cipher.update(bytes(data)), cipher.final(), cipher.getAuthTag());
  }

  async open(
    iv: ArrayBufferLike | ArrayBufferView,
    data: ArrayBufferLike | ArrayBufferView,
    aad: ArrayBufferLike | ArrayBufferView,
  ): Promise<ArrayBuffer> {
    const ct = bytes(data);
    if (ct.length < TAG_BYTES) throw new Error('AES-GCM: shorter than its tag');
    const decipher = createDecipheriv('aes-256-gcm', this.#key, bytes(iv), {
      authTagLength: TAG_BYTES,
    });
    decipher.setAAD(bytes(aad));
    decipher.setAuthTag(ct.subarray(ct.length - TAG_BYTES));
    // final() throws unless the tag verifies; no plaintext is returned before that.
    const body = decipher.update(ct.subarray(0, ct.length - TAG_BYTES));
    return joined(body, decipher.final());
  }
}

/** The library's DHKEM(X25519, HKDF-SHA256) with node:crypto X25519 and HKDF under it. */
export class NodeDhkemX25519 extends DhkemX25519HkdfSha256 {
  constructor() {
    super();
    if (!('_prim' in this) || !('_kdf' in this)) {
      throw new Error(
        '@hpke/core: Dhkem no longer has _prim and _kdf (see src/crypto/hpke-node.ts)',
      );
    }
    const kdf = new NodeHkdfSha256();
    // suite_id = concat("KEM", I2OSP(kem_id, 2)), RFC 9180 §4.1.
    kdf.init(Uint8Array.of(0x4b, 0x45, 0x4d, this.id >> 8, this.id & 0xff));
    this._kdf = kdf;
    // Keys are KeyObjects where the library's types say CryptoKey: it only passes them back to these primitives.
    this._prim = new NodeX25519Primitives(kdf) as unknown as DhkemPrimitives;
  }
}

/** A new suite: DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-256-GCM, on node:crypto. */
export function nodeSuite(): CipherSuite {
  return new CipherSuite({
    kem: new NodeDhkemX25519(),
    kdf: new NodeHkdfSha256(),
    aead: new NodeAes256Gcm(),
  });
}

/** A key as @hpke/core types it (a WebCrypto CryptoKey). */
export type SuiteKey = SenderContextParams['recipientPublicKey'];

/**
 * A KeyObject where @hpke/core's types want a CryptoKey: only for the suite
 * above, whose primitives are the only ones that see it.
 */
export function suiteKey(key: KeyObject): SuiteKey {
  return key as unknown as SuiteKey;
}

function joined(...parts: Uint8Array[]): ArrayBuffer {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out.buffer;
}
