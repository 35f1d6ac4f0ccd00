import { X509Certificate, webcrypto } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  certificateFacts,
  createCa,
  createCsr,
  generateDeviceKeyPair,
  issueDeviceCertificate,
  verifyCsr,
} from './x509.js';

const DAY = 86_400_000;

describe('device certificates', () => {
  it('issues a clientAuth certificate naming the device for a CSR made on the device', async () => {
    const ca = await createCa('CN=Test device CA', 3650);
    const { keys } = await generateDeviceKeyPair();
    const csr = await createCsr(keys, 'gateway');
    const { spki } = await verifyCsr(csr);
    const now = new Date('2026-06-01T00:00:00Z');
    const cert = await issueDeviceCertificate({ ca, spki, dev: 'gw-abc', days: 30, now });

    const c = new X509Certificate(cert.pem);
    expect(c.subjectAltName).toBe('URI:urn:tutela:device:gw-abc');
    expect(c.subject).toBe('CN=gw-abc');
    expect(c.ca).toBe(false);
    expect(c.keyUsage).toEqual(['1.3.6.1.5.5.7.3.2']); // EKU clientAuth only (RFC 5280 §4.2.1.12)
    expect(c.checkIssued(new X509Certificate(ca.certPem))).toBe(true);
    expect(c.verify(new X509Certificate(ca.certPem).publicKey)).toBe(true);
    expect(Buffer.from(c.publicKey.export({ type: 'spki', format: 'der' }))).toEqual(
      Buffer.from(spki),
    );
    expect(cert.notAfter).toBe(Math.floor((now.getTime() + 30 * DAY) / 1000) * 1000);
    expect(Date.parse(c.validFrom)).toBeLessThan(now.getTime());

    const facts = certificateFacts(cert.pem, ca.certPem);
    expect(facts).toMatchObject({
      dev: 'gw-abc',
      issuedBy: true,
      serial: cert.serial,
      fingerprint: cert.fingerprint,
    });
    expect(cert.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    // Another CA did not issue it.
    const other = await createCa('CN=Other', 10);
    expect(certificateFacts(cert.pem, other.certPem).issuedBy).toBe(false);
  });

  it('makes a CA limited to signing end-entity certificates', async () => {
    const ca = await createCa('CN=Test device CA', 10);
    const c = new X509Certificate(ca.certPem);
    expect(c.ca).toBe(true);
    expect(c.checkIssued(c)).toBe(true);
    expect(ca.keyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
  });

  it('refuses a CSR that is not PEM, is damaged, has a forged signature or a key that is not P-256', async () => {
    await expect(verifyCsr('hello')).rejects.toMatchObject({ code: 'invalid_csr' });
    await expect(verifyCsr('x'.repeat(9000))).rejects.toMatchObject({ code: 'invalid_csr' });

    const { keys } = await generateDeviceKeyPair();
    const good = await createCsr(keys, 'gateway');
    const body = good.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
    const der = Buffer.from(body, 'base64');
    // Flip a bit in the signature (the last bytes of the DER): the self-signature no longer verifies.
    der[der.length - 3]! ^= 0x01;
    const forged = `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`;
    await expect(verifyCsr(forged)).rejects.toThrow(/signature does not verify/);
    // Truncated DER.
    const cut = `-----BEGIN CERTIFICATE REQUEST-----\n${der.subarray(0, 40).toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`;
    await expect(verifyCsr(cut)).rejects.toMatchObject({ code: 'invalid_csr' });

    // A P-384 key: refused even though correctly self-signed.
    const { loadP384Csr } = await p384();
    await expect(verifyCsr(await loadP384Csr())).rejects.toThrow(/P-256/);
    await expect(verifyCsr(good)).resolves.toHaveProperty('spki');
  });
});

/** A correctly signed CSR for a P-384 key, made with @peculiar/x509 directly. */
async function p384() {
  await import('reflect-metadata');
  const x = await import('@peculiar/x509');
  x.cryptoProvider.set(webcrypto);
  const alg = { name: 'ECDSA', namedCurve: 'P-384', hash: 'SHA-384' };
  return {
    async loadP384Csr() {
      const keys = await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify']);
      const csr = await x.Pkcs10CertificateRequestGenerator.create({
        name: 'CN=big',
        keys,
        signingAlgorithm: alg,
      });
      return csr.toString('pem');
    },
  };
}
