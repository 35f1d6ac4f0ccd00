import {
  chmodSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { join } from 'node:path';
import { Rsc, TutelaError } from '../../core/errors.js';
import {
  createCa,
  issueDeviceCertificate,
  type CaMaterial,
  type IssuedCertificate,
} from '../../crypto/x509.js';

const CA_DAYS = 10 * 365;

/** The device CA: signs gateways' client certificates, and nothing else. */
export interface DeviceCa {
  /** PEM of the CA certificate: what the platform's TLS server trusts for client certificates. */
  certPem: string;
  certFile: string;
  issue(spki: Uint8Array, dev: string, days: number, now?: Date): Promise<IssuedCertificate>;
}

const invalid = (file: string, what: string) =>
  new TutelaError(
    'device_ca_invalid',
    Rsc.INTERNAL_SERVER_ERROR,
    `${file}: ${what}; restore it, or delete ca.pem and ca-key.pem in that folder to make a new device CA (every gateway must then be claimed again)`,
  );

function put(path: string, data: string, mode: number): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, data, { mode });
  chmodSync(tmp, mode);
  renameSync(tmp, path);
}

/**
 * Makes (first start) or loads the device CA in `dir` (`<dataDir>/devices`):
 * `ca.pem` and `ca-key.pem` (0600, refused when group or others may read
 * it). It is a CA of its own, apart from the TLS server CA, so that a
 * device certificate can never pass for a server and the server CA's key
 * never signs client identities.
 */
export async function ensureDeviceCa(dir: string): Promise<DeviceCa> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const certFile = join(dir, 'ca.pem');
  const keyFile = join(dir, 'ca-key.pem');
  let ca: CaMaterial;
  if (!existsSync(keyFile)) {
    ca = await createCa('CN=Tutela device CA', CA_DAYS);
    put(keyFile, ca.keyPem, 0o600);
    put(certFile, ca.certPem, 0o644);
  } else {
    if ((statSync(keyFile).mode & 0o077) !== 0)
      throw invalid(keyFile, 'is readable by others (run chmod 600 on it)');
    if (!existsSync(certFile)) throw invalid(certFile, 'is missing');
    ca = { certPem: readFileSync(certFile, 'utf8'), keyPem: readFileSync(keyFile, 'utf8') };
    try {
      if (!new X509Certificate(ca.certPem).checkPrivateKey(createPrivateKey(ca.keyPem)))
        throw invalid(certFile, 'does not match ca-key.pem');
    } catch (err) {
      if (err instanceof TutelaError) throw err;
      throw invalid(certFile, 'is not a readable certificate and key');
    }
  }
  return {
    certPem: ca.certPem,
    certFile,
    issue: (spki, dev, days, now) =>
      issueDeviceCertificate({ ca, spki, dev, days, ...(now ? { now } : {}) }),
  };
}
