import { describe, expect, it } from 'vitest';
import {
  generateKeyPair,
  importKeyPair,
  importPublicKey,
  openReading,
  sealReading,
  unwrapKey,
  wrapKey,
} from './hpke.js';
import type { SealedReading, WrappedKey } from '../protocol/envelope.js';

const text = new TextEncoder();
const header = { pt: 'pt-1', dev: 'gw-1', seq: 7, kid: 'app-1' };

/** Every variant of a base64url field with one byte changed. */
function eachByteFlipped(field: string): string[] {
  const bytes = Buffer.from(field, 'base64url');
  return [...bytes.keys()].map((i) => {
    const b = Buffer.from(bytes);
    b[i] = b[i]! ^ 0x01;
    return b.toString('base64url');
  });
}

describe('HPKE sealing of readings (auth mode)', () => {
  it('round-trips, and a stored private key gives back the same key pair', async () => {
    const app = await generateKeyPair();
    const dev = await generateKeyPair();
    const sealed = await sealReading(
      text.encode('{"hr":72}'),
      header,
      app.pair.publicKey,
      dev.pair,
    );
    expect(sealed).toMatchObject({ v: 1, typ: 'tutela.reading', ...header });
    const reloaded = await importKeyPair(app.privateRaw);
    expect(reloaded.publicRaw).toEqual(app.pair.publicRaw);
    const opened = await openReading(sealed, reloaded, await importPublicKey(dev.pair.publicRaw));
    expect(new TextDecoder().decode(opened)).toBe('{"hr":72}');
  });

  it('rejects any single-byte change of enc or ct, and any changed header', async () => {
    const app = await generateKeyPair();
    const dev = await generateKeyPair();
    const sealed = await sealReading(text.encode('reading'), header, app.pair.publicKey, dev.pair);
    const variants: SealedReading[] = [
      ...eachByteFlipped(sealed.enc).map((enc) => ({ ...sealed, enc })),
      ...eachByteFlipped(sealed.ct).map((ct) => ({ ...sealed, ct })),
      { ...sealed, pt: 'pt-2' },
      { ...sealed, dev: 'gw-2' },
      { ...sealed, seq: 8 },
      { ...sealed, kid: 'app-2' },
    ];
    expect(variants.length).toBeGreaterThan(32 + 16);
    for (const v of variants) {
      await expect(openReading(v, app.pair, dev.pair.publicKey)).rejects.toMatchObject({
        code: 'hpke_open_failed',
      });
    }
  });

  it('rejects a reading sealed by another device key (auth mode binds the sender)', async () => {
    const app = await generateKeyPair();
    const dev = await generateKeyPair();
    const other = await generateKeyPair();
    const sealed = await sealReading(text.encode('x'), header, app.pair.publicKey, other.pair);
    await expect(openReading(sealed, app.pair, dev.pair.publicKey)).rejects.toMatchObject({
      code: 'hpke_open_failed',
    });
  });

  it('refuses keys of the wrong length', async () => {
    await expect(importPublicKey(new Uint8Array(31))).rejects.toMatchObject({
      code: 'invalid_key',
    });
    await expect(importKeyPair(new Uint8Array(33))).rejects.toMatchObject({ code: 'invalid_key' });
  });
});

describe('HPKE key release (base mode)', () => {
  const keyHeader = { pt: 'pt-1', rl: 'N' as const, epoch: 1, device: 'dev-a' };

  it('only the device it was wrapped to can unwrap the key', async () => {
    const a = await generateKeyPair();
    const b = await generateKeyPair();
    const dataKey = crypto.getRandomValues(new Uint8Array(32));
    const wrapped = await wrapKey(dataKey, keyHeader, a.pair.publicKey);
    expect(await unwrapKey(wrapped, a.pair)).toEqual(dataKey);
    await expect(unwrapKey(wrapped, b.pair)).rejects.toMatchObject({ code: 'hpke_open_failed' });
  });

  it('rejects a changed header or any changed byte', async () => {
    const a = await generateKeyPair();
    const wrapped = await wrapKey(new Uint8Array(32).fill(7), keyHeader, a.pair.publicKey);
    const variants: WrappedKey[] = [
      ...eachByteFlipped(wrapped.ct).map((ct) => ({ ...wrapped, ct })),
      ...eachByteFlipped(wrapped.enc).map((enc) => ({ ...wrapped, enc })),
      { ...wrapped, rl: 'R' },
      { ...wrapped, epoch: 2 },
      { ...wrapped, pt: 'pt-9' },
      { ...wrapped, device: 'dev-b' },
    ];
    for (const v of variants) {
      await expect(unwrapKey(v, a.pair)).rejects.toMatchObject({ code: 'hpke_open_failed' });
    }
  });
});
