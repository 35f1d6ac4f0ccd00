import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromBase64url as nodeFrom, toBase64url as nodeTo } from '../encoding.js';
import { importPublicKey, wrapKey } from '../hpke.js';
import { sealVersion } from '../versions.js';
import {
  fromBase64url,
  generateDeviceKey,
  openVersionInBrowser,
  publicKeyOf,
  toBase64url,
  unwrapDataKey,
} from './index.js';

const header = {
  pt: 'pt-0001',
  rl: 'N' as const,
  cl: 'medium' as const,
  epoch: 1,
  src: 'gw-1:7',
  at: '2026-12-03T09:00:00.000Z',
};

describe('browser crypto (WebCrypto only) against the server-side sealing code', () => {
  it('base64url agrees with the Node codec and refuses the same non-canonical spellings', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => {
        const s = toBase64url(bytes);
        expect(s).toBe(nodeTo(bytes));
        expect(fromBase64url(s)).toEqual(bytes);
      }),
    );
    for (const bad of ['AB=', 'A', 'AB+C', 'AB/C', 'AR', 'a b']) {
      expect(() => fromBase64url(bad)).toThrow(/canonical/);
      expect(() => nodeFrom(bad)).toThrow(/canonical/);
    }
  });

  it('a non-extractable device key unwraps a released data key and opens the version', async () => {
    const device = await generateDeviceKey();
    expect(device.privateKey.extractable).toBe(false);
    await expect(crypto.subtle.exportKey('pkcs8', device.privateKey)).rejects.toThrow();
    const pub = await publicKeyOf(device);
    expect(pub).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const dataKey = new Uint8Array(randomBytes(32));
    const body = { resourceType: 'Bundle', entry: [{ resource: { id: 'x' } }] };
    const sealed = sealVersion(dataKey, header, body);
    const wrapped = await wrapKey(
      dataKey,
      { pt: header.pt, rl: header.rl, epoch: 1, device: 'dev-1' },
      await importPublicKey(nodeFrom(pub)),
    );
    const key = await unwrapDataKey(wrapped, device);
    expect(key.extractable).toBe(false);
    expect(await openVersionInBrowser(key, sealed)).toEqual(body);
  });

  it('refuses a key wrapped to another device, a changed wrap header, and a relabelled version', async () => {
    const mine = await generateDeviceKey();
    const other = await generateDeviceKey();
    const dataKey = new Uint8Array(randomBytes(32));
    const hdr = { pt: header.pt, rl: header.rl, epoch: 1, device: 'dev-1' };
    const toOther = await wrapKey(
      dataKey,
      hdr,
      await importPublicKey(nodeFrom(await publicKeyOf(other))),
    );
    await expect(unwrapDataKey(toOther, mine)).rejects.toMatchObject({ code: 'hpke_open_failed' });

    const toMe = await wrapKey(
      dataKey,
      hdr,
      await importPublicKey(nodeFrom(await publicKeyOf(mine))),
    );
    await expect(unwrapDataKey({ ...toMe, rl: 'V' }, mine)).rejects.toMatchObject({
      code: 'hpke_open_failed',
    });

    const key = await unwrapDataKey(toMe, mine);
    const sealed = sealVersion(dataKey, header, { a: 1 });
    await expect(openVersionInBrowser(key, { ...sealed, cl: 'low' })).rejects.toMatchObject({
      code: 'aead_open_failed',
    });
    await expect(openVersionInBrowser(key, { ...sealed, rl: 'V' })).rejects.toMatchObject({
      code: 'aead_open_failed',
    });
  });
});
