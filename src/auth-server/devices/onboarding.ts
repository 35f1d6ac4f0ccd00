import { randomBytes } from 'node:crypto';
import { Rsc, TutelaError } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import { importPublicKey } from '../../crypto/hpke.js';
import { verifyCsr } from '../../crypto/x509.js';
import type { DeviceDb } from '../store/index.js';
import { ClaimCodes, type ClaimCode } from './claim-codes.js';
import type { DeviceCa } from './device-ca.js';
import { DeviceRegistry, type DeviceView } from './registry.js';
import { PresentedCertificates, type PresentedCertificate } from './presented.js';

/** What the application server answers when it enrols a gateway (platform callback). */
export interface Enrolment {
  /** Where the gateway writes: the CSEBase name and the patient's inbox path. */
  cse: { rn: string; inbox: string };
  /** The application server's HPKE key the gateway seals to (kid, X25519 public key base64url). */
  app: { kid: string; publicKey: string };
}

export interface DeviceOnboardingOptions {
  db: DeviceDb;
  ca: DeviceCa;
  /** Validity of device certificates (config devices.certDays). */
  certDays: number;
  /** Enrols the gateway's HPKE key with the application server for that patient. */
  enrol(d: { dev: string; pt: string; hpkePublicKey: Uint8Array }): Promise<Enrolment>;
  /** Tells the application server to stop accepting the device's readings. */
  revoked(d: { dev: string; pt: string; by: string }): Promise<void>;
  log: Logger;
  now?: () => number;
}

export interface ClaimRequest {
  code: string;
  csr: string;
  hpkePublicKey: string;
}

export interface ClaimResult extends Enrolment {
  dev: string;
  pt: string;
  certificate: string;
  chain: string;
}

const DEV_ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';
/** Device ids the platform mints: `gw-` and 12 base32 characters (60 random bits). */
export const MINTED_DEVICE_ID = /^gw-[a-z2-7]{12}$/;

function newDeviceId(): string {
  let id = 'gw-';
  for (const b of randomBytes(12)) id += DEV_ALPHABET[b & 31];
  return id;
}

/**
 * Device onboarding in the authorization server (issue 4, item 7): claim
 * codes, the claim itself (CSR → certificate, device recorded, HPKE key
 * enrolled with the application server), revocation, and the check the
 * CSE runs on every request of a device originator.
 */
export class DeviceOnboarding {
  readonly codes: ClaimCodes;
  readonly registry: DeviceRegistry;
  private readonly presented: PresentedCertificates;
  private readonly now: () => number;

  constructor(private readonly o: DeviceOnboardingOptions) {
    this.now = o.now ?? Date.now;
    this.codes = new ClaimCodes(o.db, this.now);
    this.registry = new DeviceRegistry(o.db, this.now);
    this.presented = new PresentedCertificates(o.ca.certPem);
  }

  get caPem(): string {
    return this.o.ca.certPem;
  }

  createClaimCode(pt: string, by: string): Promise<ClaimCode> {
    return this.codes.create(pt, by);
  }

  list(pt: string): Promise<DeviceView[]> {
    return this.registry.list(pt);
  }

  /**
   * Claims a gateway: the CSR and the HPKE key are checked before the code
   * is spent (a broken request does not burn it), then the code is
   * redeemed, the certificate issued, the device recorded and enrolled. If
   * enrolment fails the device is forgotten and the code can be used again.
   */
  async claim(req: ClaimRequest): Promise<ClaimResult> {
    const { spki } = await verifyCsr(req.csr);
    const hpke = Buffer.from(req.hpkePublicKey, 'base64url');
    if (hpke.length !== 32 || hpke.toString('base64url') !== req.hpkePublicKey)
      throw new TutelaError(
        'invalid_key',
        Rsc.BAD_REQUEST,
        'hpkePublicKey must be a 32-byte X25519 key in base64url',
      );
    try {
      await importPublicKey(hpke);
    } catch {
      throw new TutelaError(
        'invalid_key',
        Rsc.BAD_REQUEST,
        'hpkePublicKey is not a usable X25519 key',
      );
    }
    const code = await this.codes.redeem(req.code);
    const dev = newDeviceId();
    let recorded = false;
    try {
      const cert = await this.o.ca.issue(spki, dev, this.o.certDays, new Date(this.now()));
      await this.registry.add({
        dev,
        pt: code.pt,
        serial: cert.serial,
        fingerprint: cert.fingerprint,
        not_after: cert.notAfter,
        status: 'active',
        hpke_public_key: req.hpkePublicKey,
        claimed_at: this.now(),
        revoked_at: null,
        revoked_by: null,
      });
      recorded = true;
      const enrolment = await this.o.enrol({
        dev,
        pt: code.pt,
        hpkePublicKey: new Uint8Array(hpke),
      });
      await this.codes.bind(code.id, dev);
      this.o.log.info({ dev, pt: code.pt, serial: cert.serial }, 'device claimed');
      return { dev, pt: code.pt, certificate: cert.pem, chain: this.o.ca.certPem, ...enrolment };
    } catch (err) {
      if (recorded) await this.registry.remove(dev).catch(() => undefined);
      await this.codes.release(code.id).catch(() => undefined);
      if (err instanceof TutelaError) throw err;
      this.o.log.error({ err, pt: code.pt }, 'device enrolment failed');
      throw new TutelaError(
        'enrolment_failed',
        Rsc.INTERNAL_SERVER_ERROR,
        'the device could not be enrolled; the claim code can be used again',
      );
    }
  }

  /** Revokes a device: recorded first, then the application server is told. */
  async revoke(dev: string, by: string): Promise<{ dev: string; revokedAt: number }> {
    const row = await this.registry.revoke(dev, by);
    await this.o.revoked({ dev, pt: row.pt, by });
    this.o.log.info({ dev, pt: row.pt }, 'device revoked');
    return { dev, revokedAt: row.revoked_at! };
  }

  /**
   * Whether a request from device `dev` may go on, checked on every request
   * (revocation takes effect at the next one, not the next handshake):
   * undefined if `dev` is not a device at all (other originators are not
   * this check's business) or if it presented its current, valid,
   * unrevoked certificate; otherwise why it is refused. `onboardedOnly`
   * refuses a device the authorization server does not know even if its id
   * is not one it mints (gateways registered directly, before onboarding).
   */
  async checkDevice(
    dev: string,
    cert: PresentedCertificate | undefined,
    opts: { onboardedOnly?: boolean } = {},
  ): Promise<string | undefined> {
    const row = await this.registry.get(dev);
    if (!row)
      return opts.onboardedOnly || MINTED_DEVICE_ID.test(dev)
        ? `device ${dev} is not known to the platform (gateways must be onboarded)`
        : undefined;
    if (!cert) return `device ${dev} must present its device certificate (mutual TLS)`;
    const facts = this.presented.facts(cert);
    if (!facts) return 'the client certificate is not one issued by the device CA';
    if (facts.dev !== dev)
      return `the client certificate names ${facts.dev ? `device ${facts.dev}` : 'no device'}, not ${dev}`;
    if (row.status !== 'active') return `device ${dev} has been revoked`;
    if (facts.fingerprint !== row.fingerprint)
      return `the client certificate is not the current one of device ${dev}`;
    const at = this.now();
    if (at > facts.notAfter || at < facts.notBefore)
      return `the certificate of device ${dev} is not valid now`;
    return undefined;
  }
}
