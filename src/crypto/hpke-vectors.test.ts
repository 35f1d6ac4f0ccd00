import {
  Aes128Gcm,
  Aes256Gcm,
  CipherSuite,
  DhkemX25519HkdfSha256,
  HkdfSha256,
  type AeadInterface,
} from '@hpke/core';
import { describe, expect, it } from 'vitest';
import fixture from '../../test/fixtures/rfc9180-a1-x25519-sha256-aes128gcm.json' with { type: 'json' };
import { NodeDhkemX25519, NodeHkdfSha256, nodeSuite, type SuiteKey } from './hpke-node.js';

/**
 * RFC 9180's vectors for DHKEM(X25519, HKDF-SHA256) and HKDF-SHA256 (A.1.1
 * base, A.1.3 auth) on the node:crypto KEM and KDF the servers use. The RFC
 * pairs them with AES-128-GCM only, so those run with the library's
 * AES-128-GCM; the AES-256-GCM suite is then held to the same bytes as
 * @hpke/core on WebCrypto (what the browser runs) from the same key material.
 */

type Vector = (typeof fixture.vectors)[number];

const hex = (s: string): ArrayBuffer => new Uint8Array(Buffer.from(s, 'hex')).buffer;
const toHex = (b: ArrayBuffer): string => Buffer.from(b).toString('hex');

const webSuite = (aead: AeadInterface) =>
  new CipherSuite({ kem: new DhkemX25519HkdfSha256(), kdf: new HkdfSha256(), aead });
const nodeKemKdf = (aead: AeadInterface) =>
  new CipherSuite({ kem: new NodeDhkemX25519(), kdf: new NodeHkdfSha256(), aead });

/** Every output of one vector's setup on `suite`: keys, enc, shared secret, ciphertexts, exports. */
async function run(suite: CipherSuite, v: Vector) {
  const kem = suite.kem;
  const recipient = await kem.deriveKeyPair(hex(v.ikmR));
  const sender = v.ikmS ? await kem.deriveKeyPair(hex(v.ikmS)) : undefined;
  const auth = (pk: SuiteKey | undefined) => (pk ? { senderPublicKey: pk } : {});
  const s = await suite.createSenderContext({
    recipientPublicKey: recipient.publicKey,
    info: hex(v.info),
    ekm: hex(v.ikmE),
    ...(sender ? { senderKey: sender } : {}),
  });
  const cts: string[] = [];
  for (const e of v.encryptions) cts.push(toHex(await s.seal(hex(e.pt), hex(e.aad))));
  const recipientParams = {
    recipientKey: {
      privateKey: await kem.deserializePrivateKey(hex(v.skRm)),
      publicKey: await kem.deserializePublicKey(hex(v.pkRm)),
    },
    enc: hex(v.enc),
    info: hex(v.info),
    ...auth(v.pkSm ? await kem.deserializePublicKey(hex(v.pkSm)) : undefined),
  };
  const r = await suite.createRecipientContext(recipientParams);
  const pts: string[] = [];
  for (const [i, e] of v.encryptions.entries())
    pts.push(toHex(await r.open(hex(cts[i]!), hex(e.aad))));
  const exports: string[] = [];
  for (const x of v.exports) exports.push(toHex(await r.export(hex(x.context), x.length)));
  return {
    skRm: toHex(await kem.serializePrivateKey(recipient.privateKey)),
    pkRm: toHex(await kem.serializePublicKey(recipient.publicKey)),
    pkSm: sender ? toHex(await kem.serializePublicKey(sender.publicKey)) : undefined,
    enc: toHex(s.enc),
    sharedSecret: toHex(await kem.decap(recipientParams)),
    cts,
    pts,
    exports,
  };
}

describe('RFC 9180 A.1 vectors (X25519, HKDF-SHA256) on the node:crypto KEM and KDF', () => {
  it('holds the Base and Auth vectors of the suite', () => {
    expect(fixture.vectors.map((v) => [v.section, v.mode])).toEqual([
      ['A.1.1', 0],
      ['A.1.3', 2],
    ]);
  });

  it.each(fixture.vectors)(
    '$section: DeriveKeyPair, Encap/Decap, seal, open, export',
    async (v) => {
      for (const suite of [nodeKemKdf(new Aes128Gcm()), webSuite(new Aes128Gcm())]) {
        expect(await run(suite, v)).toEqual({
          skRm: v.skRm,
          pkRm: v.pkRm,
          pkSm: v.pkSm,
          enc: v.enc,
          sharedSecret: v.shared_secret,
          cts: v.encryptions.map((e) => e.ct),
          pts: v.encryptions.map((e) => e.pt),
          exports: v.exports.map((x) => x.value),
        });
      }
    },
  );

  it.each(fixture.vectors)(
    '$section with AES-256-GCM: the node suite gives the bytes @hpke/core gives on WebCrypto',
    async (v) => {
      const node = await run(nodeSuite(), v);
      const web = await run(webSuite(new Aes256Gcm()), v);
      expect(node).toEqual(web);
      expect(node.cts[0]).not.toBe(v.encryptions[0]!.ct);
      expect(node.sharedSecret).toBe(v.shared_secret);
    },
  );
});
