import { Aes256Gcm, CipherSuite, DhkemX25519HkdfSha256, HkdfSha256 } from '@hpke/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { toBase64url } from './encoding.js';
import {
  generateKeyPair,
  importKeyPair,
  importPublicKey,
  openReading,
  sealReading,
  unwrapKey,
  wrapKey,
  type HpkeKeyPair,
} from './hpke.js';
import {
  HPKE_INFO,
  readingAad,
  wrappedKeyAad,
  type SealedReading,
  type WrappedKey,
} from '../protocol/envelope.js';

/**
 * The node:crypto backend (./hpke-node.ts) against @hpke/core on WebCrypto,
 * as the browser and any older sealed data use it: either side opens what
 * the other sealed, in both modes, and the backend never falls back to
 * WebCrypto nor waits on the event loop.
 */

const web = new CipherSuite({
  kem: new DhkemX25519HkdfSha256(),
  kdf: new HkdfSha256(),
  aead: new Aes256Gcm(),
});
const text = new TextEncoder();
const header = { pt: 'pt-1', dev: 'gw-1', seq: 7, kid: 'app-1' };
const keyHeader = { pt: 'pt-1', rl: 'N' as const, epoch: 3, device: 'dev-1' };

const buf = (b: Uint8Array) => new Uint8Array(b).buffer;
const b64 = (b: ArrayBuffer) => toBase64url(new Uint8Array(b));
const unb64 = (s: string) => buf(Buffer.from(s, 'base64url'));

/** The same key pair as WebCrypto keys, from its stored raw private key. */
async function webPair(privateRaw: Uint8Array) {
  const privateKey = await web.kem.deserializePrivateKey(buf(privateRaw));
  const pair = await importKeyPair(privateRaw);
  return { privateKey, publicKey: await web.kem.deserializePublicKey(buf(pair.publicRaw)) };
}

async function parties() {
  const app = await generateKeyPair();
  const dev = await generateKeyPair();
  return { app, dev, webApp: await webPair(app.privateRaw), webDev: await webPair(dev.privateRaw) };
}

describe('HPKE on node:crypto interoperates with @hpke/core on WebCrypto', () => {
  it('opens a reading WebCrypto sealed (auth mode), and WebCrypto opens one it sealed', async () => {
    const { app, dev, webApp, webDev } = await parties();
    const body = text.encode('{"hr":72}');
    const { enc, ct } = await web.seal(
      { recipientPublicKey: webApp.publicKey, senderKey: webDev, info: HPKE_INFO.reading },
      buf(body),
      buf(readingAad(header)),
    );
    const fromWeb: SealedReading = {
      v: 1,
      typ: 'tutela.reading',
      ...header,
      enc: b64(enc),
      ct: b64(ct),
    };
    expect(await openReading(fromWeb, app.pair, dev.pair.publicKey)).toEqual(body);

    const fromNode = await sealReading(body, header, app.pair.publicKey, dev.pair);
    const opened = await web.open(
      {
        recipientKey: webApp,
        enc: unb64(fromNode.enc),
        senderPublicKey: webDev.publicKey,
        info: HPKE_INFO.reading,
      },
      unb64(fromNode.ct),
      buf(readingAad(header)),
    );
    expect(new Uint8Array(opened)).toEqual(body);
  });

  it('refuses a WebCrypto-sealed reading with a byte changed, another sender, or a small-order enc', async () => {
    const { app, dev, webApp, webDev } = await parties();
    const { enc, ct } = await web.seal(
      { recipientPublicKey: webApp.publicKey, senderKey: webDev, info: HPKE_INFO.reading },
      buf(text.encode('{"hr":72}')),
      buf(readingAad(header)),
    );
    const sealed: SealedReading = {
      v: 1,
      typ: 'tutela.reading',
      ...header,
      enc: b64(enc),
      ct: b64(ct),
    };
    const flipped = new Uint8Array(ct);
    flipped[3]! ^= 1;
    const other = (await generateKeyPair()).pair.publicKey;
    for (const bad of [
      { sealed: { ...sealed, ct: b64(flipped.buffer) }, sender: dev.pair.publicKey },
      { sealed: { ...sealed, seq: 8 }, sender: dev.pair.publicKey },
      { sealed, sender: other },
      { sealed: { ...sealed, enc: b64(new ArrayBuffer(32)) }, sender: dev.pair.publicKey },
    ]) {
      await expect(openReading(bad.sealed, app.pair, bad.sender)).rejects.toMatchObject({
        code: 'hpke_open_failed',
      });
    }
  });

  it('unwraps a data key WebCrypto wrapped (base mode), and WebCrypto unwraps one it wrapped', async () => {
    const device = await generateKeyPair();
    const webDevice = await webPair(device.privateRaw);
    const dataKey = new Uint8Array(32).fill(7);
    const { enc, ct } = await web.seal(
      { recipientPublicKey: webDevice.publicKey, info: HPKE_INFO.keyRelease },
      buf(dataKey),
      buf(wrappedKeyAad(keyHeader)),
    );
    const fromWeb: WrappedKey = {
      v: 1,
      typ: 'tutela.key',
      ...keyHeader,
      enc: b64(enc),
      ct: b64(ct),
    };
    expect(await unwrapKey(fromWeb, device.pair)).toEqual(dataKey);
    await expect(unwrapKey({ ...fromWeb, epoch: 4 }, device.pair)).rejects.toMatchObject({
      code: 'hpke_open_failed',
    });

    const fromNode = await wrapKey(dataKey, keyHeader, device.pair.publicKey);
    const key = await web.open(
      { recipientKey: webDevice, enc: unb64(fromNode.enc), info: HPKE_INFO.keyRelease },
      unb64(fromNode.ct),
      buf(wrappedKeyAad(keyHeader)),
    );
    expect(new Uint8Array(key)).toEqual(dataKey);
  });
});

describe('the node:crypto backend', () => {
  afterEach(() => vi.restoreAllMocks());

  it('makes no WebCrypto call and resolves without a turn of the event loop', async () => {
    const subtle = globalThis.crypto.subtle;
    const methods = [
      'importKey',
      'exportKey',
      'sign',
      'deriveBits',
      'encrypt',
      'decrypt',
      'generateKey',
    ] as const;
    const spies = methods.map((m) => vi.spyOn(subtle, m));
    let turned = false;
    setImmediate(() => (turned = true));

    const app = await generateKeyPair();
    const dev: HpkeKeyPair = await importKeyPair((await generateKeyPair()).privateRaw);
    const devPublic = await importPublicKey(dev.publicRaw);
    const sealed = await sealReading(text.encode('{"hr":72}'), header, app.pair.publicKey, dev);
    expect(await openReading(sealed, app.pair, devPublic)).toEqual(text.encode('{"hr":72}'));
    const wrapped = await wrapKey(new Uint8Array(32), keyHeader, app.pair.publicKey);
    expect(await unwrapKey(wrapped, app.pair)).toEqual(new Uint8Array(32));

    expect(turned).toBe(false);
    for (const spy of spies) expect(spy).not.toHaveBeenCalled();
  });
});
