import { afterEach, describe, expect, it } from 'vitest';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TutelaError } from '../../core/errors.js';
import { ensureLocalTls, loadX509 } from './local-ca.js';

const DAY = 86_400_000;
const dirs: string[] = [];
const tempDir = () => {
  const d = join(mkdtempSync(join(tmpdir(), 'tutela-tls-')), 'tls');
  dirs.push(d);
  return d;
};
const mode = (path: string) => statSync(path).mode & 0o777;

afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(join(d, '..'), { recursive: true, force: true });
});

/** GET https://127.0.0.1:port/ and resolve with the body, or reject with the TLS error. */
async function fetchOnce(tls: { key: string; cert: string }, ca?: string): Promise<string> {
  const server = https.createServer(tls, (_req, res) => res.end('ok'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    return await new Promise<string>((resolve, reject) => {
      const req = https.get({ host: '127.0.0.1', port, path: '/', agent: false, ca }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve(body));
      });
      req.on('error', reject);
    });
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

describe('ensureLocalTls', () => {
  it('creates a CA and a server certificate it signs, with private keys at 0600', async () => {
    const dir = tempDir();
    const tls = await ensureLocalTls(dir);
    expect(tls.created).toBe(true);
    expect(tls.caFile).toBe(join(dir, 'ca.pem'));
    expect(readFileSync(tls.caFile, 'utf8')).toBe(tls.ca);
    expect(mode(dir)).toBe(0o700);
    expect(mode(join(dir, 'ca-key.pem'))).toBe(0o600);
    expect(mode(join(dir, 'server-key.pem'))).toBe(0o600);
    expect(tls.key).toContain('-----BEGIN PRIVATE KEY-----'); // PKCS#8
    expect(readFileSync(join(dir, 'ca-key.pem'), 'utf8')).toContain('-----BEGIN PRIVATE KEY-----');

    const x509 = await loadX509();
    const ca = new x509.X509Certificate(tls.ca);
    const server = new x509.X509Certificate(tls.cert);
    expect(ca.subject).toBe('CN=Tutela local CA');
    expect(await ca.verify({ signatureOnly: true })).toBe(true);
    const bc = ca.getExtension(x509.BasicConstraintsExtension);
    expect([bc?.ca, bc?.pathLength, bc?.critical]).toEqual([true, 0, true]);
    const caUsage = ca.getExtension(x509.KeyUsagesExtension);
    expect(caUsage?.usages).toBe(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign);
    expect(caUsage?.critical).toBe(true);
    expect(ca.publicKey.algorithm).toMatchObject({ name: 'ECDSA', namedCurve: 'P-256' });
    expect(ca.serialNumber).toMatch(/^[0-7][0-9a-f]{31}$/); // 16 bytes, positive
    expect(ca.notAfter.getUTCFullYear() - ca.notBefore.getUTCFullYear()).toBe(10);

    expect(server.subject).toBe('CN=tutela');
    expect(server.issuer).toBe(ca.subject);
    expect(await server.verify({ publicKey: ca.publicKey, signatureOnly: true })).toBe(true);
    expect((server.notAfter.getTime() - server.notBefore.getTime()) / DAY).toBe(397);
    const san = server.getExtension(x509.SubjectAlternativeNameExtension);
    expect(san?.names.toJSON()).toEqual(
      expect.arrayContaining([
        { type: 'dns', value: 'localhost' },
        { type: 'ip', value: '127.0.0.1' },
        { type: 'ip', value: '::1' },
      ]),
    );
    expect(server.getExtension(x509.ExtendedKeyUsageExtension)?.usages).toEqual([
      x509.ExtendedKeyUsage.serverAuth,
    ]);
    expect(server.getExtension(x509.KeyUsagesExtension)?.usages).toBe(
      x509.KeyUsageFlags.digitalSignature,
    );

    // Node (OpenSSL) must agree, since it is what serves and verifies TLS.
    const { X509Certificate, createPrivateKey } = await import('node:crypto');
    const nodeCa = new X509Certificate(tls.ca);
    const nodeServer = new X509Certificate(tls.cert);
    expect(nodeCa.ca).toBe(true);
    expect(nodeServer.ca).toBe(false);
    expect(nodeServer.verify(nodeCa.publicKey)).toBe(true);
    expect(nodeServer.checkIssued(nodeCa)).toBe(true);
    expect(nodeServer.checkHost('localhost')).toBe('localhost');
    expect(nodeServer.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(nodeServer.checkIP('::1')).toBe('::1');
    expect(nodeServer.checkHost('example.com')).toBeUndefined();
    expect(nodeServer.subjectAltName).toContain('IP Address:127.0.0.1');
    expect(nodeServer.checkPrivateKey(createPrivateKey(tls.key))).toBe(true);
  });

  it('reuses the files on later calls', async () => {
    const dir = tempDir();
    const first = await ensureLocalTls(dir);
    const second = await ensureLocalTls(dir);
    expect(second).toEqual({ ...first, created: false });
  });

  it('re-issues only the server certificate when it nears expiry', async () => {
    const dir = tempDir();
    const first = await ensureLocalTls(dir);
    const caKey = readFileSync(join(dir, 'ca-key.pem'), 'utf8');
    const later = new Date(Date.now() + 380 * DAY);
    const renewed = await ensureLocalTls(dir, { now: later });
    expect(renewed.created).toBe(false);
    expect(renewed.ca).toBe(first.ca);
    expect(readFileSync(join(dir, 'ca-key.pem'), 'utf8')).toBe(caKey);
    expect(renewed.cert).not.toBe(first.cert);
    expect(renewed.key).not.toBe(first.key);
    const { X509Certificate } = await import('node:crypto');
    const cert = new X509Certificate(renewed.cert);
    expect(Date.parse(cert.validTo)).toBeGreaterThan(later.getTime() + 300 * DAY);
    expect(cert.verify(new X509Certificate(first.ca).publicKey)).toBe(true);
    // And it is stable again once renewed.
    expect((await ensureLocalTls(dir, { now: later })).cert).toBe(renewed.cert);
    // A certificate not yet valid (the clock went back) is replaced too.
    const today = await ensureLocalTls(dir);
    expect(today.cert).not.toBe(renewed.cert);
    expect(today.ca).toBe(first.ca);
    expect(await fetchOnce(today, first.ca)).toBe('ok');
  });

  it('re-issues the server certificate when asked for hosts it lacks', async () => {
    const dir = tempDir();
    const first = await ensureLocalTls(dir);
    const more = await ensureLocalTls(dir, { hosts: ['tutela.local', '192.168.1.20', 'fe80::1'] });
    expect(more.ca).toBe(first.ca);
    expect(more.cert).not.toBe(first.cert);
    const { X509Certificate } = await import('node:crypto');
    const cert = new X509Certificate(more.cert);
    expect(cert.checkHost('tutela.local')).toBe('tutela.local');
    expect(cert.checkIP('192.168.1.20')).toBe('192.168.1.20');
    expect(cert.checkIP('fe80::1')).toBe('fe80::1');
    expect(cert.checkHost('192.168.1.20')).toBeUndefined(); // an IP, not a DNS name
    expect(cert.checkHost('localhost')).toBe('localhost');
  });

  it('canonicalises hosts and rejects ones a certificate cannot name', async () => {
    const dir = tempDir();
    const hosts = [' Tutela.Local ', '::FFFF:192.168.1.2'];
    const tls = await ensureLocalTls(dir, { hosts });
    const { X509Certificate } = await import('node:crypto');
    const cert = new X509Certificate(tls.cert);
    expect(cert.checkHost('tutela.local')).toBe('tutela.local');
    expect(cert.checkIP('::ffff:192.168.1.2')).toBeDefined(); // bytes c0a8:0102, not 0x192...
    expect((await ensureLocalTls(dir, { hosts })).cert).toBe(tls.cert);
    for (const bad of ['', 'bad host!', 'fe80::1%eth0']) {
      await expect(ensureLocalTls(dir, { hosts: [bad] })).rejects.toMatchObject({
        code: 'tls_invalid',
      });
    }
  });

  it('regenerates missing or corrupt server files, restoring 0600 on an existing key file', async () => {
    const dir = tempDir();
    const first = await ensureLocalTls(dir);
    writeFileSync(join(dir, 'server.pem'), 'garbage');
    chmodSync(join(dir, 'server-key.pem'), 0o644);
    const fixed = await ensureLocalTls(dir);
    expect(fixed.ca).toBe(first.ca);
    expect(fixed.cert).toContain('BEGIN CERTIFICATE');
    expect(mode(join(dir, 'server-key.pem'))).toBe(0o600);
    rmSync(join(dir, 'server-key.pem'));
    const again = await ensureLocalTls(dir);
    expect(again.key).not.toBe(fixed.key);
    expect(again.ca).toBe(first.ca);
  });

  it('re-issues a server certificate that another CA signed', async () => {
    const dir = tempDir();
    const mine = await ensureLocalTls(dir);
    const theirs = await ensureLocalTls(join(dir, 'other'));
    writeFileSync(join(dir, 'server.pem'), theirs.cert);
    writeFileSync(join(dir, 'server-key.pem'), theirs.key);
    const fixed = await ensureLocalTls(dir);
    expect(fixed.ca).toBe(mine.ca);
    expect(fixed.cert).not.toBe(theirs.cert);
    expect(await fetchOnce(fixed, mine.ca)).toBe('ok');
    // A key that doesn't belong to the certificate would make the TLS server refuse to start.
    writeFileSync(join(dir, 'server-key.pem'), theirs.key);
    const rekeyed = await ensureLocalTls(dir);
    expect(rekeyed.cert).not.toBe(fixed.cert);
    expect(await fetchOnce(rekeyed, mine.ca)).toBe('ok');
  });

  it('refuses to replace a CA whose files are corrupt', async () => {
    const dir = tempDir();
    await ensureLocalTls(dir);
    const caPem = readFileSync(join(dir, 'ca.pem'), 'utf8');
    const caKey = readFileSync(join(dir, 'ca-key.pem'), 'utf8');

    writeFileSync(join(dir, 'ca-key.pem'), 'not a key');
    const keyErr = await ensureLocalTls(dir).catch((e: unknown) => e);
    expect(keyErr).toBeInstanceOf(TutelaError);
    expect(keyErr).toMatchObject({ code: 'tls_invalid', status: 500 });
    expect((keyErr as Error).message).toContain('ca-key.pem');
    expect(readFileSync(join(dir, 'ca.pem'), 'utf8')).toBe(caPem);

    writeFileSync(join(dir, 'ca-key.pem'), caKey);
    writeFileSync(
      join(dir, 'ca.pem'),
      '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n',
    );
    const certErr = await ensureLocalTls(dir).catch((e: unknown) => e);
    expect(certErr).toMatchObject({ code: 'tls_invalid' });
    expect((certErr as Error).message).toContain('ca.pem');

    // A CA certificate from another key is a mismatch, not something to paper over.
    await ensureLocalTls(join(dir, 'other'));
    writeFileSync(join(dir, 'ca.pem'), readFileSync(join(dir, 'other', 'ca.pem')));
    await expect(ensureLocalTls(dir)).rejects.toMatchObject({ code: 'tls_invalid' });
  });

  it('rebuilds a lost ca.pem from the existing CA key, keeping earlier trust valid', async () => {
    const dir = tempDir();
    const first = await ensureLocalTls(dir);
    rmSync(join(dir, 'ca.pem'));
    const rebuilt = await ensureLocalTls(dir);
    expect(rebuilt.ca).not.toBe(first.ca);
    expect(rebuilt.cert).toBe(first.cert); // still signed by the same key
    // A client that trusted the old ca.pem still accepts the certificates it now issues.
    const renewed = await ensureLocalTls(dir, { hosts: ['tutela.local'] });
    expect(renewed.cert).not.toBe(first.cert);
    expect(await fetchOnce(renewed, first.ca)).toBe('ok');
  });

  it('serves HTTPS that a client trusting only the CA accepts', async () => {
    const tls = await ensureLocalTls(tempDir());
    expect(await fetchOnce(tls, tls.ca)).toBe('ok');
    await expect(fetchOnce(tls)).rejects.toMatchObject({
      code: expect.stringMatching(/UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED|CERT/),
    });
    // A certificate from a different CA is rejected even when a CA is given.
    const other = await ensureLocalTls(tempDir());
    await expect(fetchOnce(tls, other.ca)).rejects.toMatchObject({
      code: expect.stringMatching(/UNABLE_TO_VERIFY_LEAF_SIGNATURE|CERT/),
    });
  });
});
