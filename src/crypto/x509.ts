import { X509Certificate as NodeCert, createHash, createPublicKey, webcrypto } from 'node:crypto';
import type * as X509 from '@peculiar/x509';
import { Rsc, TutelaError } from '../core/errors.js';

/**
 * X.509 helpers for device onboarding, on @peculiar/x509 over Node's
 * WebCrypto (no openssl shell-outs): a device CA, PKCS#10 requests (RFC
 * 2986) made on the gateway, and device certificates (RFC 5280 profile in
 * docs/devices.md). Only ECDSA P-256 with SHA-256 is accepted or made.
 */

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY_MS = 86_400_000;
/** Largest CSR accepted (a P-256 request is ~400 bytes of PEM). */
const MAX_CSR_CHARS = 8192;

/** The URI SAN naming a device (RFC 5280 §4.2.1.6; URN per RFC 8141). */
export const deviceUri = (dev: string) => `urn:tutela:device:${dev}`;
const DEVICE_URI = /^urn:tutela:device:([A-Za-z0-9._-]{1,128})$/;

let loaded: Promise<typeof X509> | undefined;
/** The x509 module; tsyringe inside it needs reflect-metadata loaded first. */
async function x509(): Promise<typeof X509> {
  loaded ??= (async () => {
    await import('reflect-metadata');
    const mod = await import('@peculiar/x509');
    mod.cryptoProvider.set(webcrypto);
    return mod;
  })();
  return loaded;
}

const invalidCsr = (msg: string) => new TutelaError('invalid_csr', Rsc.BAD_REQUEST, msg);

/** A fresh P-256 key pair for TLS client authentication (made on the gateway). */
export async function generateDeviceKeyPair(): Promise<{
  keys: webcrypto.CryptoKeyPair;
  privateKeyPem: string;
}> {
  const keys = await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
  return { keys, privateKeyPem: await toPkcs8Pem(keys.privateKey) };
}

async function toPkcs8Pem(key: webcrypto.CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  const b64 = der.toString('base64').replace(/(.{64})/g, '$1\n');
  return `-----BEGIN PRIVATE KEY-----\n${b64.trimEnd()}\n-----END PRIVATE KEY-----\n`;
}

async function importSigningKey(pem: string): Promise<webcrypto.CryptoKey> {
  const body = pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
  return webcrypto.subtle.importKey('pkcs8', Buffer.from(body, 'base64'), ALG, false, ['sign']);
}

/** A PKCS#10 request signed with the device's own key (proof of possession, RFC 2986 §3). */
export async function createCsr(
  keys: webcrypto.CryptoKeyPair,
  commonName: string,
): Promise<string> {
  const x = await x509();
  const csr = await x.Pkcs10CertificateRequestGenerator.create({
    name: [{ CN: [commonName] }],
    keys,
    signingAlgorithm: ALG,
  });
  return csr.toString('pem');
}

/**
 * Parses and checks a CSR: PEM of one PKCS#10 request, self-signature
 * valid, ECDSA with SHA-256, key on P-256. Returns the subject public key
 * (SPKI DER); the CSR's subject and extensions are ignored: the CA decides
 * the certificate's names.
 */
export async function verifyCsr(pem: string): Promise<{ spki: Uint8Array }> {
  if (pem.length > MAX_CSR_CHARS) throw invalidCsr('the CSR is too large');
  if (
    !/^\s*-----BEGIN CERTIFICATE REQUEST-----[\sA-Za-z0-9+/=]+-----END CERTIFICATE REQUEST-----\s*$/.test(
      pem,
    )
  )
    throw invalidCsr('the CSR must be one PEM "CERTIFICATE REQUEST" (PKCS#10)');
  const x = await x509();
  let csr: X509.Pkcs10CertificateRequest;
  try {
    csr = new x.Pkcs10CertificateRequest(pem);
  } catch {
    throw invalidCsr('the CSR is not a readable PKCS#10 request');
  }
  const spki = new Uint8Array(csr.publicKey.rawData);
  let details: { namedCurve?: string } | undefined;
  let type: string | undefined;
  try {
    const key = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
    type = key.asymmetricKeyType;
    details = key.asymmetricKeyDetails;
  } catch {
    throw invalidCsr('the CSR public key is not readable');
  }
  if (type !== 'ec' || details?.namedCurve !== 'prime256v1')
    throw invalidCsr('the CSR key must be an EC key on P-256 (secp256r1)');
  const sig = csr.signatureAlgorithm as { name?: string; hash?: { name?: string } };
  if (sig.name !== 'ECDSA' || sig.hash?.name !== 'SHA-256')
    throw invalidCsr('the CSR must be signed with ECDSA and SHA-256');
  let ok = false;
  try {
    ok = await csr.verify();
  } catch {
    ok = false;
  }
  if (!ok) throw invalidCsr('the CSR signature does not verify with its own key');
  return { spki };
}

/** 16 random bytes, top bit clear and first byte non-zero: positive, minimally encoded (RFC 5280 §4.1.2.2). */
function newSerial(): string {
  const b = webcrypto.getRandomValues(new Uint8Array(16));
  b[0] = b[0]! & 0x7f || 1;
  return Buffer.from(b).toString('hex');
}

export interface CaMaterial {
  certPem: string;
  keyPem: string;
}

/** A self-signed CA that may sign end-entity certificates only (pathLen 0). */
export async function createCa(name: string, days: number, now = new Date()): Promise<CaMaterial> {
  const x = await x509();
  const { keys, privateKeyPem } = await generateDeviceKeyPair();
  const notBefore = new Date(now.getTime() - 3_600_000);
  const cert = await x.X509CertificateGenerator.createSelfSigned({
    serialNumber: newSerial(),
    name,
    notBefore,
    notAfter: new Date(notBefore.getTime() + days * DAY_MS),
    signingAlgorithm: ALG,
    keys,
    extensions: [
      new x.BasicConstraintsExtension(true, 0, true),
      new x.KeyUsagesExtension(x.KeyUsageFlags.keyCertSign | x.KeyUsageFlags.cRLSign, true),
      await x.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: cert.toString('pem'), keyPem: privateKeyPem };
}

export interface IssuedCertificate {
  pem: string;
  /** Lower-case hex, as stored. */
  serial: string;
  /** SHA-256 of the DER, lower-case hex. */
  fingerprint: string;
  notAfter: number;
}

/**
 * Issues a device certificate: subject CN=<dev>, URI SAN
 * urn:tutela:device:<dev>, EKU clientAuth only, key usage digitalSignature,
 * not a CA; backdated an hour for devices whose clock runs behind.
 */
export async function issueDeviceCertificate(o: {
  ca: CaMaterial;
  spki: Uint8Array;
  dev: string;
  days: number;
  now?: Date;
}): Promise<IssuedCertificate> {
  const x = await x509();
  const now = o.now ?? new Date();
  const issuer = new x.X509Certificate(o.ca.certPem);
  const publicKey = await webcrypto.subtle.importKey('spki', o.spki, ALG, true, ['verify']);
  const notBefore = new Date(now.getTime() - 3_600_000);
  const notAfter = new Date(now.getTime() + o.days * DAY_MS);
  const cert = await x.X509CertificateGenerator.create({
    serialNumber: newSerial(),
    subject: `CN=${o.dev}`,
    issuer: issuer.subjectName,
    notBefore,
    notAfter,
    signingAlgorithm: ALG,
    publicKey,
    signingKey: await importSigningKey(o.ca.keyPem),
    extensions: [
      new x.SubjectAlternativeNameExtension([{ type: 'url', value: deviceUri(o.dev) }]),
      new x.ExtendedKeyUsageExtension([x.ExtendedKeyUsage.clientAuth]),
      new x.KeyUsagesExtension(x.KeyUsageFlags.digitalSignature, true),
      new x.BasicConstraintsExtension(false),
      await x.AuthorityKeyIdentifierExtension.create(issuer),
      await x.SubjectKeyIdentifierExtension.create(publicKey),
    ],
  });
  const pem = cert.toString('pem');
  const facts = certificateFacts(pem);
  return { pem, serial: facts.serial, fingerprint: facts.fingerprint, notAfter: facts.notAfter };
}

/** SHA-256 of a certificate's DER (PEM or DER given), lower-case hex. */
export function fingerprintOf(cert: string | Uint8Array): string {
  const der = typeof cert === 'string' ? new NodeCert(cert).raw : Buffer.from(cert);
  return createHash('sha256').update(der).digest('hex');
}

export interface CertificateFacts {
  /** The device named by the URI SAN, if exactly one urn:tutela:device: URI is there. */
  dev: string | undefined;
  serial: string;
  fingerprint: string;
  notBefore: number;
  notAfter: number;
  /** Signed by `ca` (when given). */
  issuedBy: boolean;
}

/** What a certificate says, read with Node's X509Certificate. */
export function certificateFacts(cert: string | Uint8Array, caPem?: string): CertificateFacts {
  const c = new NodeCert(typeof cert === 'string' ? cert : Buffer.from(cert));
  const uris = (c.subjectAltName ?? '')
    .split(/,\s*/)
    .filter((s) => s.startsWith('URI:'))
    .map((s) => s.slice(4));
  const devs = uris.map((u) => DEVICE_URI.exec(u)?.[1]).filter((d) => d !== undefined);
  let issuedBy = false;
  if (caPem) {
    const ca = new NodeCert(caPem);
    issuedBy = c.checkIssued(ca) && c.verify(ca.publicKey);
  }
  return {
    dev: devs.length === 1 ? devs[0] : undefined,
    serial: c.serialNumber.toLowerCase().replace(/^0+(?=.)/, ''),
    fingerprint: createHash('sha256').update(c.raw).digest('hex'),
    notBefore: Date.parse(c.validFrom),
    notAfter: Date.parse(c.validTo),
    issuedBy,
  };
}
