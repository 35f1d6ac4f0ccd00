import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { Agent, request } from 'undici';
import { Rsc, TutelaError } from '../../core/errors.js';
import { readPrivateFile, writePrivateFile } from '../../core/private-file.js';
import { importPublicKey, type HpkeKey, type HpkeKeyPair } from '../../crypto/hpke.js';
import { loadOrCreateKeyFile } from '../../crypto/key-file.js';
import { createCsr, generateDeviceKeyPair } from '../../crypto/x509.js';

export interface OnboardOptions {
  /** The platform's base URL, e.g. https://127.0.0.1:8443 */
  platformUrl: string;
  /** The one-time claim code given to the patient (16 characters). */
  code: string;
  /** The CA (PEM) the platform's server certificate is checked against. */
  ca?: string | undefined;
  /** The gateway's data directory: keys and certificate are kept there (0600). */
  dir: string;
}

/** What an onboarded gateway knows and holds. */
export interface Onboarded {
  dev: string;
  pt: string;
  platformUrl: string;
  /** X25519 key pair the gateway seals readings with (HPKE auth mode). */
  deviceKey: HpkeKeyPair;
  /** Key and certificate (PEM) for mutual TLS with the platform. */
  clientCert: { key: string; cert: string };
  /** The device CA's certificate. */
  chain: string;
  /** Where it writes: the CSEBase name and the patient's inbox. */
  cse: { rn: string; inbox: string };
  /** The application server's HPKE key it seals to. */
  app: { kid: string; publicKey: HpkeKey };
}

interface SavedState {
  dev: string;
  pt: string;
  platformUrl: string;
  cse: { rn: string; inbox: string };
  app: { kid: string; publicKey: string };
}

const FILES = {
  hpke: 'device.key',
  tlsKey: 'tls-key.pem',
  cert: 'cert.pem',
  chain: 'chain.pem',
  state: 'onboarded.json',
} as const;

const ID = Type.String({ pattern: '^[A-Za-z0-9._:-]{1,128}$' });
const PEM = Type.String({ minLength: 1, maxLength: 16_384 });
/** The claim's answer (CONTRACTS.md, POST /auth/devices/claim), checked before anything is kept. */
const ClaimResponse = Type.Object({
  dev: ID,
  pt: ID,
  certificate: PEM,
  chain: PEM,
  cse: Type.Object({ rn: ID, inbox: Type.String({ pattern: '^/[A-Za-z0-9._:/-]{1,512}$' }) }),
  app: Type.Object({ kid: ID, publicKey: Type.String({ pattern: '^[A-Za-z0-9_-]{43}$' }) }),
});

/**
 * Onboards this gateway (issue 4, item 7): makes its key pairs here, on the
 * device — X25519 to seal readings, P-256 for TLS client authentication —
 * claims itself with the one-time code (a PKCS#10 request proves it holds
 * the P-256 key; RFC 2986), and keeps key, certificate and what it learnt
 * in `dir`. The private keys never leave the device.
 */
export async function onboard(o: OnboardOptions): Promise<Onboarded> {
  mkdirSync(o.dir, { recursive: true, mode: 0o700 });
  const deviceKey = await loadOrCreateKeyFile(join(o.dir, FILES.hpke));
  const tls = await generateDeviceKeyPair();
  const csr = await createCsr(tls.keys, 'tutela gateway');
  const agent = new Agent({ connect: o.ca ? { ca: o.ca } : {} });
  let status: number;
  let body: Record<string, unknown>;
  try {
    const res = await request(new URL('/auth/devices/claim', o.platformUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({
        code: o.code,
        csr,
        hpkePublicKey: Buffer.from(deviceKey.publicRaw).toString('base64url'),
      }),
      dispatcher: agent,
    });
    status = res.statusCode;
    const text = await res.body.text();
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      body = {};
    }
  } finally {
    await agent.close();
  }
  if (status !== 201) {
    const code = typeof body.error === 'string' ? body.error : 'claim_failed';
    const message = typeof body.message === 'string' ? body.message : `HTTP ${status}`;
    throw new TutelaError(code, Rsc.BAD_REQUEST, `the platform refused the claim: ${message}`);
  }
  if (!Value.Check(ClaimResponse, body))
    throw new TutelaError(
      'claim_failed',
      Rsc.BAD_REQUEST,
      'the platform answered the claim with something that is not a device certificate',
    );
  const claimed = body;
  writePrivateFile(join(o.dir, FILES.tlsKey), tls.privateKeyPem);
  writePrivateFile(join(o.dir, FILES.cert), claimed.certificate);
  writePrivateFile(join(o.dir, FILES.chain), claimed.chain);
  const state: SavedState = {
    dev: claimed.dev,
    pt: claimed.pt,
    platformUrl: o.platformUrl,
    cse: claimed.cse,
    app: claimed.app,
  };
  // Written last: its presence means the gateway is onboarded.
  writePrivateFile(join(o.dir, FILES.state), JSON.stringify(state, null, 2));
  return toOnboarded(state, deviceKey, tls.privateKeyPem, claimed.certificate, claimed.chain);
}

/** The onboarded gateway kept in `dir`, or undefined if it has not been onboarded there. */
export async function loadOnboarded(dir: string): Promise<Onboarded | undefined> {
  const stateFile = join(dir, FILES.state);
  if (!existsSync(stateFile)) return undefined;
  const state = JSON.parse(readPrivateFile(stateFile)) as SavedState;
  return toOnboarded(
    state,
    await loadOrCreateKeyFile(join(dir, FILES.hpke)),
    readPrivateFile(join(dir, FILES.tlsKey)),
    readFileSync(join(dir, FILES.cert), 'utf8'),
    readFileSync(join(dir, FILES.chain), 'utf8'),
  );
}

async function toOnboarded(
  s: SavedState,
  deviceKey: HpkeKeyPair,
  key: string,
  cert: string,
  chain: string,
): Promise<Onboarded> {
  return {
    dev: s.dev,
    pt: s.pt,
    platformUrl: s.platformUrl,
    deviceKey,
    clientCert: { key, cert },
    chain,
    cse: s.cse,
    app: {
      kid: s.app.kid,
      publicKey: await importPublicKey(Buffer.from(s.app.publicKey, 'base64url')),
    },
  };
}
