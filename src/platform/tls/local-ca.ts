import {
  X509Certificate as NodeCert,
  createPrivateKey,
  createPublicKey,
  webcrypto,
  KeyObject,
} from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import type * as X509 from '@peculiar/x509';
import { Rsc, TutelaError } from '../../core/errors.js';

/** PEM strings ready for `https.createServer({ key, cert })`; `ca` is what clients must trust. */
export interface LocalTls {
  key: string;
  cert: string;
  ca: string;
  caFile: string;
  /** A new CA certificate was written: clients need to (re)install `caFile`. */
  created: boolean;
}

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY_MS = 86_400_000;
const SERVER_DAYS = 397; // under the 398-day ceiling for public CAs, so no client policy objects
const RENEW_WITHIN_DAYS = 30;
const DEFAULT_HOSTS = ['localhost', '127.0.0.1', '::1'];

let loaded: Promise<typeof X509> | undefined;
/**
 * The x509 module. @peculiar/x509 v2 loads tsyringe, which needs the
 * reflect-metadata polyfill in place before it is evaluated, hence the
 * ordered dynamic imports.
 */
export function loadX509(): Promise<typeof X509> {
  loaded ??= (async () => {
    await import('reflect-metadata');
    const x509 = await import('@peculiar/x509');
    // No cast: x509's `Crypto` is the DOM type, which this project's libs don't declare.
    x509.cryptoProvider.set(webcrypto);
    return x509;
  })();
  return loaded;
}

const read = (path: string): string | undefined =>
  existsSync(path) ? readFileSync(path, 'utf8') : undefined;

/** Temp file then rename: a crash never leaves half a CA key, which would then be refused. */
function put(path: string, data: string, mode: number): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, data, { mode });
  chmodSync(tmp, mode); // `mode` is ignored when the file already exists (a stale temp file)
  renameSync(tmp, path);
}

const invalid = (file: string, what: string, cause?: unknown) =>
  new TutelaError(
    'tls_invalid',
    Rsc.INTERNAL_SERVER_ERROR,
    `${file}: ${what}; restore it, or delete ca.pem and ca-key.pem to create a new CA ` +
      '(clients must then trust the new ca.pem)',
    { cause },
  );

/** 16 random bytes, top bit clear and first byte non-zero: positive and minimally DER-encoded. */
function serial(): string {
  const b = webcrypto.getRandomValues(new Uint8Array(16));
  b[0] = b[0]! & 0x7f || 1;
  return Buffer.from(b).toString('hex');
}

const newKeys = () => webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']);

const toPkcs8Pem = (key: webcrypto.CryptoKey) =>
  KeyObject.from(key).export({ type: 'pkcs8', format: 'pem' }) as string;

// Public keys must be extractable: x509 re-exports them to build the SPKI and key identifiers.
const toWebKey = (k: KeyObject, fmt: 'pkcs8' | 'spki') =>
  webcrypto.subtle.importKey(fmt, k.export({ type: fmt, format: 'der' }), ALG, fmt === 'spki', [
    fmt === 'spki' ? 'verify' : 'sign',
  ]);

/** Still usable: matches its key, signed by this CA, not about to expire, names every host. */
function isCurrent(certPem = '', keyPem = '', ca: NodeCert, hosts: string[], now: Date): boolean {
  try {
    const cert = new NodeCert(certPem);
    return (
      cert.checkPrivateKey(createPrivateKey(keyPem)) &&
      cert.checkIssued(ca) &&
      cert.verify(ca.publicKey) &&
      Date.parse(cert.validFrom) <= now.getTime() &&
      Date.parse(cert.validTo) - now.getTime() > RENEW_WITHIN_DAYS * DAY_MS &&
      // checkHost/checkIP consult only the SAN here, since it has DNS names.
      hosts.every((h) => (isIP(h) ? cert.checkIP(h) : cert.checkHost(h)) !== undefined)
    );
  } catch {
    return false; // missing or corrupt server files are simply re-issued
  }
}

/**
 * Canonical form: @peculiar/x509 mis-encodes IPv6 with an embedded IPv4 part
 * (::ffff:a.b.c.d), and a name that can't go in a SAN must fail loudly rather
 * than force a re-issue on every start.
 */
function canonicalHost(host: string): string {
  const h = host.trim().toLowerCase();
  if (isIP(h) === 6 && !h.includes('%')) return new URL(`http://[${h}]`).hostname.slice(1, -1);
  if (isIP(h) === 4 || /^[a-z0-9-]+(\.[a-z0-9-]+)*$/.test(h)) return h;
  throw new TutelaError('tls_invalid', Rsc.INTERNAL_SERVER_ERROR, `not a host name or IP: ${host}`);
}

/**
 * Makes (first call) or reuses a local CA and a server certificate in `dir`.
 * The CA is long-lived because users install it in their trust stores; the
 * server certificate is short-lived and re-issued from the same CA whenever it
 * nears expiry, lacks a requested host, or is missing or unreadable.
 */
export async function ensureLocalTls(
  dir: string,
  opts: { hosts?: string[]; now?: Date } = {},
): Promise<LocalTls> {
  const x509 = await loadX509();
  const now = opts.now ?? new Date();
  const hosts = [...new Set([...DEFAULT_HOSTS, ...(opts.hosts ?? [])].map(canonicalHost))];
  const at = (name: string) => join(dir, name);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // Backdated an hour so a device whose clock runs slightly behind still accepts it.
  const notBefore = new Date(now.getTime() - 3_600_000);
  let created = false;

  let caPem = read(at('ca.pem'));
  const caKeyPem = read(at('ca-key.pem'));
  let caKey: KeyObject;
  if (caKeyPem === undefined) {
    // Without its key an old CA can never sign again, so a new CA is the only way forward.
    const pem = toPkcs8Pem((await newKeys()).privateKey);
    put(at('ca-key.pem'), pem, 0o600);
    caKey = createPrivateKey(pem);
    caPem = undefined;
  } else {
    try {
      caKey = createPrivateKey(caKeyPem);
    } catch (err) {
      // Never replace a CA users may already trust just because its key file is damaged.
      throw invalid(at('ca-key.pem'), 'not a readable private key', err);
    }
  }
  if (caPem === undefined) {
    // Same key and subject as any earlier CA certificate, so trust already installed still holds.
    const notAfter = new Date(notBefore);
    notAfter.setUTCFullYear(notAfter.getUTCFullYear() + 10);
    const publicKey = await toWebKey(createPublicKey(caKey), 'spki');
    const cert = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: serial(),
      name: 'CN=Tutela local CA',
      notBefore,
      notAfter,
      signingAlgorithm: ALG,
      keys: { publicKey, privateKey: await toWebKey(caKey, 'pkcs8') },
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(
          x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
          true,
        ),
        await x509.SubjectKeyIdentifierExtension.create(publicKey),
      ],
    });
    caPem = cert.toString('pem');
    put(at('ca.pem'), caPem, 0o644);
    created = true;
  }
  let caCert: NodeCert;
  try {
    caCert = new NodeCert(caPem);
  } catch (err) {
    throw invalid(at('ca.pem'), 'not a readable certificate', err);
  }
  if (!caCert.checkPrivateKey(caKey)) throw invalid(at('ca.pem'), 'does not match ca-key.pem');

  let certPem = read(at('server.pem'));
  let keyPem = read(at('server-key.pem'));
  if (!isCurrent(certPem, keyPem, caCert, hosts, now)) {
    const keys = await newKeys();
    const issuer = new x509.X509Certificate(caPem);
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: serial(),
      subject: 'CN=tutela',
      issuer: issuer.subjectName, // the CA's exact DER name, so chain building matches byte for byte
      notBefore,
      notAfter: new Date(notBefore.getTime() + SERVER_DAYS * DAY_MS),
      signingAlgorithm: ALG,
      publicKey: keys.publicKey,
      signingKey: await toWebKey(caKey, 'pkcs8'),
      extensions: [
        new x509.SubjectAlternativeNameExtension(
          hosts.map((h) => ({ type: isIP(h) ? ('ip' as const) : ('dns' as const), value: h })),
        ),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.BasicConstraintsExtension(false),
        await x509.AuthorityKeyIdentifierExtension.create(issuer),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      ],
    });
    certPem = cert.toString('pem');
    keyPem = toPkcs8Pem(keys.privateKey);
    put(at('server-key.pem'), keyPem, 0o600);
    put(at('server.pem'), certPem, 0o644);
  }
  return { key: keyPem!, cert: certPem!, ca: caPem, caFile: at('ca.pem'), created };
}
