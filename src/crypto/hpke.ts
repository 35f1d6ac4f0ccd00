import type { KeyObject } from 'node:crypto';
import { Rsc, TutelaError } from '../core/errors.js';
import { fromBase64url, toBase64url } from './encoding.js';
import { nodeSuite, suiteKey, type SuiteKey } from './hpke-node.js';
import {
  generateX25519,
  privateFromRaw,
  publicFromRaw,
  publicOf,
  rawPrivate,
  rawPublic,
} from './x25519.js';
import {
  HPKE_INFO,
  readingAad,
  wrappedKeyAad,
  type SealedReading,
  type WrappedKey,
} from '../protocol/envelope.js';

/**
 * HPKE (RFC 9180) through @hpke/core: DHKEM(X25519, HKDF-SHA256), HKDF-SHA256,
 * AES-256-GCM (suite 0x0020/0x0001/0x0002), on node:crypto (./hpke-node.ts).
 * Two uses, kept apart by `info`: a gateway sealing a tick to the
 * application server in auth mode (§5.1.3: the recipient learns which
 * device key sealed it), and the key service wrapping a data key to one
 * client device key in base mode (§5.1.1). Node-only: the web app opens
 * what it is sent with src/crypto/browser, the same suite on WebCrypto.
 */

/** An X25519 key (node:crypto). */
export type HpkeKey = KeyObject;

const suite = nodeSuite();

export interface HpkeKeyPair {
  privateKey: HpkeKey;
  publicKey: HpkeKey;
  /** The 32-byte X25519 public key, as it is registered and published. */
  publicRaw: Uint8Array;
}

/** A new X25519 key pair and its raw private key, for the caller to store (0600, or wrapped). */
export async function generateKeyPair(): Promise<{ pair: HpkeKeyPair; privateRaw: Uint8Array }> {
  const { privateKey, publicKey } = generateX25519();
  const pair = { privateKey, publicKey, publicRaw: rawPublic(publicKey) };
  return { pair, privateRaw: rawPrivate(privateKey) };
}

/** The key pair of a stored raw private key (its public half is derived from it). */
export async function importKeyPair(privateRaw: Uint8Array): Promise<HpkeKeyPair> {
  if (privateRaw.length !== 32) throw keyError('an X25519 private key is 32 bytes');
  const privateKey = privateFromRaw(privateRaw);
  const publicKey = publicOf(privateKey);
  return { privateKey, publicKey, publicRaw: rawPublic(publicKey) };
}

export async function importPublicKey(raw: Uint8Array): Promise<HpkeKey> {
  if (raw.length !== 32) throw keyError('an X25519 public key is 32 bytes');
  try {
    return publicFromRaw(raw);
  } catch (err) {
    throw keyError('not a valid X25519 public key', err);
  }
}

/** Seals one tick (the serialised ReadingBatch) from a gateway device to the application server. */
export async function sealReading(
  plaintext: Uint8Array,
  header: Pick<SealedReading, 'pt' | 'dev' | 'seq' | 'kid'>,
  recipient: HpkeKey,
  device: HpkeKeyPair,
): Promise<SealedReading> {
  const { enc, ct } = await suite.seal(
    {
      recipientPublicKey: suiteKey(recipient),
      senderKey: pairOf(device),
      info: HPKE_INFO.reading,
    },
    copy(plaintext),
    copy(readingAad(header)),
  );
  return { v: 1, typ: 'tutela.reading', ...header, enc: b64(enc), ct: b64(ct) };
}

/**
 * Opens a sealed tick; fails (hpke_open_failed) unless it was sealed by
 * `devicePublic`'s private key, to `recipient`, with exactly these headers.
 */
export async function openReading(
  sealed: SealedReading,
  recipient: HpkeKeyPair,
  devicePublic: HpkeKey,
): Promise<Uint8Array> {
  try {
    const pt = await suite.open(
      {
        recipientKey: pairOf(recipient),
        enc: unb64(sealed.enc),
        senderPublicKey: suiteKey(devicePublic),
        info: HPKE_INFO.reading,
      },
      unb64(sealed.ct),
      copy(readingAad(sealed)),
    );
    return new Uint8Array(pt);
  } catch (err) {
    throw openError('the reading could not be opened (tampered, or not from this device)', err);
  }
}

/**
 * Auth-mode seal (RFC 9180 §5.1.3) for the other sealed objects (commands and
 * their acks, ./command-seal.ts): the caller gives the `info` that keeps the
 * use apart and the AAD that binds the headers.
 */
export async function sealAuth(
  info: Uint8Array,
  plaintext: Uint8Array,
  aad: Uint8Array,
  recipient: HpkeKey,
  sender: HpkeKeyPair,
): Promise<{ enc: string; ct: string }> {
  const { enc, ct } = await suite.seal(
    {
      recipientPublicKey: suiteKey(recipient),
      senderKey: pairOf(sender),
      info: copy(info),
    },
    copy(plaintext),
    copy(aad),
  );
  return { enc: b64(enc), ct: b64(ct) };
}

/** Opens what sealAuth sealed; fails (hpke_open_failed) unless sender, recipient, info and AAD all match. */
export async function openAuth(
  info: Uint8Array,
  sealed: { enc: string; ct: string },
  aad: Uint8Array,
  recipient: HpkeKeyPair,
  senderPublic: HpkeKey,
  what: string,
): Promise<Uint8Array> {
  try {
    const pt = await suite.open(
      {
        recipientKey: pairOf(recipient),
        enc: unb64(sealed.enc),
        senderPublicKey: suiteKey(senderPublic),
        info: copy(info),
      },
      unb64(sealed.ct),
      copy(aad),
    );
    return new Uint8Array(pt);
  } catch (err) {
    throw openError(`${what} could not be opened (tampered, or not from this sender)`, err);
  }
}

/** Wraps a data key to one client device's public key (base mode). */
export async function wrapKey(
  dataKey: Uint8Array,
  header: Pick<WrappedKey, 'pt' | 'rl' | 'epoch' | 'device'>,
  devicePublic: HpkeKey,
): Promise<WrappedKey> {
  const { enc, ct } = await suite.seal(
    { recipientPublicKey: suiteKey(devicePublic), info: HPKE_INFO.keyRelease },
    copy(dataKey),
    copy(wrappedKeyAad(header)),
  );
  return { v: 1, typ: 'tutela.key', ...header, enc: b64(enc), ct: b64(ct) };
}

/** Unwraps a released data key with the client device's own key pair. */
export async function unwrapKey(wrapped: WrappedKey, device: HpkeKeyPair): Promise<Uint8Array> {
  try {
    const key = await suite.open(
      {
        recipientKey: pairOf(device),
        enc: unb64(wrapped.enc),
        info: HPKE_INFO.keyRelease,
      },
      unb64(wrapped.ct),
      copy(wrappedKeyAad(wrapped)),
    );
    return new Uint8Array(key);
  } catch (err) {
    throw openError('the data key could not be unwrapped with this device key', err);
  }
}

function pairOf(pair: HpkeKeyPair): { privateKey: SuiteKey; publicKey: SuiteKey } {
  return { privateKey: suiteKey(pair.privateKey), publicKey: suiteKey(pair.publicKey) };
}

/** A fresh ArrayBuffer holding exactly these bytes (the library takes ArrayBuffers). */
function copy(bytes: Uint8Array): ArrayBuffer {
  // Not bytes.slice(): on a Buffer that is a view into Node's shared pool.
  const out = new Uint8Array(bytes.length);
  out.set(bytes);
  return out.buffer;
}

function b64(buf: ArrayBuffer): string {
  return toBase64url(new Uint8Array(buf));
}

/** Canonical base64url only (./encoding.ts): a field cannot be respelt without changing its bytes. */
function unb64(s: string): ArrayBuffer {
  return copy(fromBase64url(s));
}

function keyError(msg: string, cause?: unknown): TutelaError {
  return new TutelaError('invalid_key', Rsc.BAD_REQUEST, msg, { cause });
}

function openError(msg: string, cause?: unknown): TutelaError {
  return new TutelaError('hpke_open_failed', Rsc.BAD_REQUEST, msg, { cause });
}
