import { createHash } from 'node:crypto';
import { certificateFacts, type CertificateFacts } from '../../crypto/x509.js';

/** What the TLS layer saw of a client's certificate. */
export interface PresentedCertificate {
  /** The TLS layer verified the chain against the CAs it trusts for clients. */
  authorized: boolean;
  /** DER of the client's leaf certificate. */
  raw: Uint8Array;
}

/**
 * Reads presented client certificates, checking each is signed by the
 * device CA (again, beside the TLS layer's own check: the server may trust
 * other client CAs). Parsed facts are kept by fingerprint, so a device's
 * every request costs a hash, not a signature check.
 */
export class PresentedCertificates {
  private readonly cache = new Map<string, CertificateFacts | undefined>();

  constructor(
    private readonly caPem: string,
    private readonly max = 10_000,
  ) {}

  facts(cert: PresentedCertificate): CertificateFacts | undefined {
    if (!cert.authorized || cert.raw.length === 0) return undefined;
    const key = createHash('sha256').update(cert.raw).digest('hex');
    if (this.cache.has(key)) return this.cache.get(key);
    let facts: CertificateFacts | undefined;
    try {
      const f = certificateFacts(cert.raw, this.caPem);
      facts = f.issuedBy ? f : undefined;
    } catch {
      facts = undefined;
    }
    if (this.cache.size >= this.max) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(key, facts);
    return facts;
  }
}
