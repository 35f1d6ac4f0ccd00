import {
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  type JsonWebKey,
  type KeyObject,
} from 'node:crypto';
import type { KdfInterface } from '@hpke/core';

/**
 * X25519 keys as node:crypto KeyObjects, and the DHKEM primitives
 * (RFC 9180 §4.1, §7.1) that @hpke/core's DHKEM calls on them, all
 * synchronous node:crypto calls: see ./hpke-node.ts for why.
 *
 * Raw public keys travel as JWK (`x`): in Node 20 a JWK import or export
 * costs 1–7 µs where the SPKI DER codec costs 70–90 µs. Private keys are
 * imported from PKCS#8 (RFC 8410): a private JWK must carry `x`, which Node
 * would take on trust; they are imported once per stored key.
 */

const KEY_BYTES = 32;
// RFC 8410 §7: PKCS#8 PrivateKeyInfo for id-X25519, followed by the 32 key bytes.
const PKCS8_X25519 = Uint8Array.from([
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x04, 0x22, 0x04, 0x20,
]);
// RFC 9180 §7.1.3 DeriveKeyPair labels.
const LABEL_DKP_PRK = new TextEncoder().encode('dkp_prk');
const LABEL_SK = new TextEncoder().encode('sk');
const EMPTY = new Uint8Array(0);

export interface X25519KeyPair {
  privateKey: KeyObject;
  publicKey: KeyObject;
}

export function generateX25519(): X25519KeyPair {
  return generateKeyPairSync('x25519');
}

export function publicFromRaw(raw: Uint8Array): KeyObject {
  if (raw.length !== KEY_BYTES) throw new Error('an X25519 public key is 32 bytes');
  const x = Buffer.from(raw.buffer, raw.byteOffset, raw.length).toString('base64url');
  return createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x }, format: 'jwk' });
}

export function privateFromRaw(raw: Uint8Array): KeyObject {
  if (raw.length !== KEY_BYTES) throw new Error('an X25519 private key is 32 bytes');
  const der = new Uint8Array(PKCS8_X25519.length + KEY_BYTES);
  der.set(PKCS8_X25519);
  der.set(raw, PKCS8_X25519.length);
  try {
    return createPrivateKey({ key: Buffer.from(der.buffer), format: 'der', type: 'pkcs8' });
  } finally {
    der.fill(0);
  }
}

export function rawPublic(key: KeyObject): Uint8Array {
  return jwkBytes(x25519(key, 'public').export({ format: 'jwk' }).x);
}

export function rawPrivate(key: KeyObject): Uint8Array {
  return jwkBytes(x25519(key, 'private').export({ format: 'jwk' }).d);
}

export function publicOf(privateKey: KeyObject): KeyObject {
  return createPublicKey(x25519(privateKey, 'private'));
}

/**
 * @hpke/common's DhkemPrimitives over KeyObjects. The library types keys as
 * WebCrypto CryptoKeys but only hands them back to these methods, so they
 * may be KeyObjects (./hpke-node.ts makes the casts). `dh` refuses an
 * all-zero shared secret (a small-order public key): OpenSSL fails the
 * derivation, as RFC 9180 §7.1.4 asks.
 */
export class NodeX25519Primitives {
  constructor(private readonly kdf: KdfInterface) {}

  async serializePublicKey(key: KeyObject): Promise<ArrayBuffer> {
    return buffer(rawPublic(key));
  }

  async deserializePublicKey(key: ArrayBufferLike | ArrayBufferView): Promise<KeyObject> {
    return publicFromRaw(bytes(key));
  }

  async serializePrivateKey(key: KeyObject): Promise<ArrayBuffer> {
    return buffer(rawPrivate(key));
  }

  async deserializePrivateKey(key: ArrayBufferLike | ArrayBufferView): Promise<KeyObject> {
    return privateFromRaw(bytes(key));
  }

  async importKey(
    format: 'raw' | 'jwk',
    key: ArrayBuffer | JsonWebKey,
    isPublic: boolean,
  ): Promise<KeyObject> {
    const raw = format === 'raw' ? rawOf(key) : jwkOf(key, isPublic);
    return isPublic ? publicFromRaw(raw) : privateFromRaw(raw);
  }

  async generateKeyPair(): Promise<X25519KeyPair> {
    return generateX25519();
  }

  /** RFC 9180 §7.1.3: sk = LabeledExpand(LabeledExtract("", "dkp_prk", ikm), "sk", "", 32). */
  async deriveKeyPair(ikm: ArrayBufferLike | ArrayBufferView): Promise<X25519KeyPair> {
    const prk = await this.kdf.labeledExtract(EMPTY, LABEL_DKP_PRK, bytes(ikm));
    const sk = new Uint8Array(await this.kdf.labeledExpand(prk, LABEL_SK, EMPTY, KEY_BYTES));
    const privateKey = privateFromRaw(sk);
    sk.fill(0);
    return { privateKey, publicKey: publicOf(privateKey) };
  }

  async derivePublicKey(key: KeyObject): Promise<KeyObject> {
    return publicOf(key);
  }

  async dh(sk: KeyObject, pk: KeyObject): Promise<ArrayBuffer> {
    return buffer(diffieHellman({ privateKey: sk, publicKey: pk }));
  }
}

function x25519(key: KeyObject, type: 'public' | 'private'): KeyObject {
  if (key.type !== type || key.asymmetricKeyType !== 'x25519') {
    throw new Error(`not an X25519 ${type} key`);
  }
  return key;
}

function rawOf(key: ArrayBuffer | JsonWebKey): Uint8Array {
  if (!(key instanceof ArrayBuffer)) throw new Error('a raw key is an ArrayBuffer');
  return bytes(key);
}

/** The key bytes of an X25519 JWK (RFC 8037): `x` of a public key, `d` of a private one. */
function jwkOf(key: ArrayBuffer | JsonWebKey, isPublic: boolean): Uint8Array {
  if (key instanceof ArrayBuffer || key.kty !== 'OKP' || key.crv !== 'X25519') {
    throw new Error('not an X25519 JWK');
  }
  if (isPublic && key.d !== undefined) throw new Error('a public JWK has no d');
  return jwkBytes(isPublic ? key.x : key.d);
}

function jwkBytes(field: string | undefined): Uint8Array {
  if (field === undefined) throw new Error('the key has no such component');
  return new Uint8Array(Buffer.from(field, 'base64url'));
}

/** A view of the bytes of an ArrayBuffer or a view, without copying. */
export function bytes(data: ArrayBufferLike | ArrayBufferView): Uint8Array {
  return ArrayBuffer.isView(data)
    ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
    : new Uint8Array(data);
}

/** A fresh ArrayBuffer holding exactly these bytes (what the library returns). */
export function buffer(data: Uint8Array): ArrayBuffer {
  const out = new Uint8Array(data.length);
  out.set(data);
  return out.buffer;
}
