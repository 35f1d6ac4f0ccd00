import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { databaseTargets, openTestDatabase, type TestDatabase } from '../../core/db/testing.js';
import { silentLogger } from '../../core/log.js';
import { generateKeyPair } from '../../crypto/hpke.js';
import { certificateFacts, createCsr, generateDeviceKeyPair } from '../../crypto/x509.js';
import { deviceMigrations, type DeviceTables } from '../store/index.js';
import {
  CLAIM_CODE_ALPHABET,
  CLAIM_CODE_TTL_MS,
  MAX_FAILED_TRIES,
  generateClaimCode,
  normalizeClaimCode,
} from './claim-codes.js';
import { ensureDeviceCa, type DeviceCa } from './device-ca.js';
import { DeviceOnboarding, type Enrolment } from './onboarding.js';

const invalidCode = expect.objectContaining({ code: 'invalid_claim_code' });
const ENROLMENT: Enrolment = {
  cse: { rn: 'cse-in', inbox: '/cse-in/tutela/pt-1/inbox' },
  app: { kid: 'app-x', publicKey: 'A'.repeat(43) },
};

/** The CSR with one bit of its signature flipped. */
function forgeSignature(pem: string): string {
  const der = Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
  der[der.length - 3]! ^= 0x01;
  return `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`;
}

/** A gateway's claim material: P-256 CSR and X25519 key, made as the gateway makes them. */
async function gatewayMaterial() {
  const { keys } = await generateDeviceKeyPair();
  const { pair } = await generateKeyPair();
  return {
    csr: await createCsr(keys, 'gateway'),
    hpkePublicKey: Buffer.from(pair.publicRaw).toString('base64url'),
  };
}

describe('claim code format', () => {
  it('is 16 characters from an alphabet without look-alikes, and reads back however it is typed', () => {
    expect(CLAIM_CODE_ALPHABET).toHaveLength(32);
    for (const c of '01OI') expect(CLAIM_CODE_ALPHABET).not.toContain(c);
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const code = generateClaimCode();
      expect(code).toMatch(/^[2-9A-HJ-NP-Z]{16}$/);
      seen.add(code);
      const typed = `${code.slice(0, 4)}-${code.slice(4, 8)} ${code.slice(8)}`.toLowerCase();
      expect(normalizeClaimCode(typed)).toBe(code);
    }
    expect(seen.size).toBe(200);
    expect(normalizeClaimCode('ABC')).toBeUndefined();
    expect(normalizeClaimCode('0'.repeat(16))).toBeUndefined();
  });
});

describe.each(databaseTargets())('device onboarding store on $name', (target) => {
  let database: TestDatabase<DeviceTables> | undefined;
  let caDir: string;
  let ca: DeviceCa;
  let clock = Date.parse('2026-06-01T08:00:00Z');
  const enrolled: Array<{ dev: string; pt: string }> = [];
  const revoked: string[] = [];
  let failEnrol = false;
  let service: DeviceOnboarding;

  beforeAll(async () => {
    caDir = mkdtempSync(join(tmpdir(), 'tutela-devca-'));
    ca = await ensureDeviceCa(join(caDir, 'devices'));
  });
  afterAll(() => rmSync(caDir, { recursive: true, force: true }));
  afterEach(async () => {
    await database?.cleanup();
    database = undefined;
    enrolled.length = 0;
    revoked.length = 0;
    failEnrol = false;
  });
  const open = async () => {
    database = await openTestDatabase<DeviceTables>(target, {
      zone: 'auth',
      migrations: deviceMigrations,
    });
    service = new DeviceOnboarding({
      db: database!.db,
      ca,
      certDays: 90,
      enrol: async (d) => {
        if (failEnrol) throw new Error('application server down');
        enrolled.push({ dev: d.dev, pt: d.pt });
        return ENROLMENT;
      },
      revoked: async (d) => void revoked.push(d.dev),
      log: silentLogger,
      now: () => clock,
    });
    return service;
  };

  it('keeps the device CA key 0600, and loads the same CA again', async () => {
    expect(statSync(join(caDir, 'devices', 'ca-key.pem')).mode & 0o777).toBe(0o600);
    expect((await ensureDeviceCa(join(caDir, 'devices'))).certPem).toBe(ca.certPem);
  });

  it('claims a gateway once: certificate for its key, device recorded, enrolled, code spent', async () => {
    const s = await open();
    const { code, pt, expiresAt } = await s.createClaimCode('pt-1', 'nurse');
    expect(pt).toBe('pt-1');
    expect(expiresAt).toBe(clock + CLAIM_CODE_TTL_MS);
    const stored = await database!.db.selectFrom('claim_codes').selectAll().execute();
    expect(JSON.stringify(stored)).not.toContain(code.slice(6)); // only a hash of the secret part
    const m = await gatewayMaterial();
    const res = await s.claim({ code, ...m });
    expect(res).toMatchObject({ pt: 'pt-1', chain: ca.certPem, ...ENROLMENT });
    expect(res.dev).toMatch(/^gw-[a-z2-7]{12}$/);
    const facts = certificateFacts(res.certificate, ca.certPem);
    expect(facts).toMatchObject({ dev: res.dev, issuedBy: true });
    expect(facts.notAfter).toBe(Math.floor((clock + 90 * 86_400_000) / 1000) * 1000);
    expect(enrolled).toEqual([{ dev: res.dev, pt: 'pt-1' }]);
    expect(await s.list('pt-1')).toEqual([
      {
        dev: res.dev,
        pt: 'pt-1',
        status: 'active',
        serial: facts.serial,
        notAfter: facts.notAfter,
        claimedAt: clock,
      },
    ]);
    // Single use.
    await expect(s.claim({ code, ...(await gatewayMaterial()) })).rejects.toEqual(invalidCode);
    expect(enrolled).toHaveLength(1);
  });

  it('refuses an expired code', async () => {
    const s = await open();
    const { code } = await s.createClaimCode('pt-1', 'nurse');
    clock += CLAIM_CODE_TTL_MS;
    await expect(s.claim({ code, ...(await gatewayMaterial()) })).rejects.toEqual(invalidCode);
    expect(enrolled).toHaveLength(0);
  });

  it(`locks a code after ${MAX_FAILED_TRIES} wrong tries, even against the right code`, async () => {
    const s = await open();
    const { code } = await s.createClaimCode('pt-1', 'nurse');
    const m = await gatewayMaterial();
    const wrong = (i: number) =>
      code.slice(0, 6) +
      (code[6] === '2' ? '3' : '2') +
      code.slice(7, 15) +
      CLAIM_CODE_ALPHABET[i]!;
    for (let i = 0; i < MAX_FAILED_TRIES; i++)
      await expect(s.claim({ code: wrong(i), ...m })).rejects.toEqual(invalidCode);
    await expect(s.claim({ code, ...m })).rejects.toEqual(invalidCode);
    const row = await database!.db.selectFrom('claim_codes').selectAll().executeTakeFirstOrThrow();
    expect(row.failed_tries).toBe(MAX_FAILED_TRIES);
    expect(row.used_at).toBeNull();
  });

  it('four wrong tries leave the right code usable', async () => {
    const s = await open();
    const { code } = await s.createClaimCode('pt-1', 'nurse');
    const m = await gatewayMaterial();
    const wrong = code.slice(0, 15) + (code[15] === '2' ? '3' : '2');
    for (let i = 0; i < MAX_FAILED_TRIES - 1; i++)
      await expect(s.claim({ code: wrong, ...m })).rejects.toEqual(invalidCode);
    await expect(s.claim({ code, ...m })).resolves.toHaveProperty('dev');
  });

  it('a bad CSR or key does not spend the code; neither does a failed enrolment', async () => {
    const s = await open();
    const { code } = await s.createClaimCode('pt-1', 'nurse');
    const m = await gatewayMaterial();
    await expect(s.claim({ code, ...m, csr: forgeSignature(m.csr) })).rejects.toMatchObject({
      code: 'invalid_csr',
    });
    await expect(
      s.claim({ code, csr: 'not a csr', hpkePublicKey: m.hpkePublicKey }),
    ).rejects.toMatchObject({ code: 'invalid_csr' });
    await expect(
      s.claim({ code, csr: m.csr, hpkePublicKey: 'B'.repeat(43) }),
    ).rejects.toMatchObject({ code: 'invalid_key' });
    failEnrol = true;
    await expect(s.claim({ code, ...m })).rejects.toMatchObject({ code: 'enrolment_failed' });
    expect(await s.list('pt-1')).toEqual([]);
    failEnrol = false;
    await expect(s.claim({ code, ...m })).resolves.toHaveProperty('pt', 'pt-1');
  });

  it('two claims racing with one code: exactly one wins', async () => {
    const s = await open();
    const { code } = await s.createClaimCode('pt-1', 'nurse');
    const [a, b] = await Promise.allSettled([
      s.claim({ code, ...(await gatewayMaterial()) }),
      s.claim({ code, ...(await gatewayMaterial()) }),
    ]);
    expect([a.status, b.status].sort()).toEqual(['fulfilled', 'rejected']);
    expect(await s.list('pt-1')).toHaveLength(1);
  });

  it('revokes a device: recorded, the application server told, and its certificate refused', async () => {
    const s = await open();
    const { code } = await s.createClaimCode('pt-1', 'nurse');
    const res = await s.claim({ code, ...(await gatewayMaterial()) });
    const raw = new Uint8Array(
      Buffer.from(res.certificate.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64'),
    );
    expect(await s.checkDevice(res.dev, { authorized: true, raw })).toBeUndefined();
    clock += 1000;
    expect(await s.revoke(res.dev, 'doctor')).toEqual({ dev: res.dev, revokedAt: clock });
    expect(revoked).toEqual([res.dev]);
    expect(await s.list('pt-1')).toEqual([
      expect.objectContaining({ status: 'revoked', revokedAt: clock }),
    ]);
    expect(await s.checkDevice(res.dev, { authorized: true, raw })).toMatch(/revoked/);
    await expect(s.revoke('gw-aaaaaaaaaaaa', 'doctor')).rejects.toMatchObject({
      code: 'unknown_device',
    });
  });

  it('checks a device originator: certificate present, from the device CA, naming it, current', async () => {
    const s = await open();
    const mk = async () => {
      const { code } = await s.createClaimCode('pt-1', 'nurse');
      const r = await s.claim({ code, ...(await gatewayMaterial()) });
      return {
        dev: r.dev,
        raw: new Uint8Array(
          Buffer.from(r.certificate.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64'),
        ),
      };
    };
    const a = await mk();
    const b = await mk();
    expect(await s.checkDevice(a.dev, undefined)).toMatch(/must present its device certificate/);
    expect(await s.checkDevice(a.dev, { authorized: false, raw: a.raw })).toMatch(
      /not one issued by the device CA/,
    );
    expect(await s.checkDevice(a.dev, { authorized: true, raw: b.raw })).toBe(
      `the client certificate names device ${b.dev}, not ${a.dev}`,
    );
    expect(await s.checkDevice('gw-zzzzzzzzzzzz', { authorized: true, raw: a.raw })).toMatch(
      /not known/,
    );
    // Not a device: not this check's business, unless only onboarded devices may write.
    expect(await s.checkDevice('gw-0001', undefined)).toBeUndefined();
    expect(await s.checkDevice('gw-0001', undefined, { onboardedOnly: true })).toMatch(
      /not known to the platform/,
    );
    clock += 91 * 86_400_000;
    expect(await s.checkDevice(a.dev, { authorized: true, raw: a.raw })).toMatch(/not valid now/);
  });
});
