import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../../core/db/testing.js';
import { silentLogger } from '../../core/log.js';
import { generateKeyPair } from '../../crypto/hpke.js';
import { createCsr, generateDeviceKeyPair } from '../../crypto/x509.js';
import { deviceMigrations, type DeviceTables } from '../store/index.js';
import { ensureDeviceCa } from './device-ca.js';
import { DeviceOnboarding } from './onboarding.js';
import { RateLimiter } from './rate-limit.js';
import { deviceRoutes } from './routes.js';
import { Rsc, TutelaError } from '../../core/errors.js';

/** Tokens of the stand-in directory: who may manage which patient's devices. */
const PEOPLE: Record<string, { user: string; patients: string[] }> = {
  'tok-nurse': { user: 'nurse', patients: ['pt-1'] },
  'tok-other': { user: 'other', patients: ['pt-2'] },
};

describe('the device API (/auth/devices)', () => {
  let app: FastifyInstance;
  let database: TestDatabase<DeviceTables>;
  let dir: string;
  let clock = Date.now();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tutela-devroutes-'));
    database = await openTestDatabase<DeviceTables>(
      { name: 'sqlite' },
      { zone: 'auth', migrations: deviceMigrations },
    );
    const onboarding = new DeviceOnboarding({
      db: database.db,
      ca: await ensureDeviceCa(join(dir, 'devices')),
      certDays: 365,
      enrol: async (d) => ({
        cse: { rn: 'cse-in', inbox: `/cse-in/tutela/${d.pt}/inbox` },
        app: { kid: 'app-1', publicKey: 'A'.repeat(43) },
      }),
      revoked: async () => undefined,
      log: silentLogger,
    });
    app = Fastify();
    await app.register(deviceRoutes, {
      prefix: '/auth/devices',
      onboarding,
      claimRateLimit: { max: 4, windowMs: 60_000 },
      now: () => clock,
      authorize: async (req, pt) => {
        const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
        const who = token ? PEOPLE[token] : undefined;
        if (!who)
          throw new TutelaError(
            'unauthenticated',
            Rsc.ORIGINATOR_HAS_NOT_REGISTERED,
            'a valid bearer token is required',
          );
        return who.patients.includes(pt) ? { user: who.user } : undefined;
      },
    });
  });
  afterAll(async () => {
    await app.close();
    await database.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  const post = (url: string, body: unknown, token?: string, ip = '10.0.0.1') =>
    app.inject({
      method: 'POST',
      url,
      payload: body as object,
      remoteAddress: ip,
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });
  const material = async () => {
    const { keys } = await generateDeviceKeyPair();
    const { pair } = await generateKeyPair();
    return {
      csr: await createCsr(keys, 'gw'),
      hpkePublicKey: Buffer.from(pair.publicRaw).toString('base64url'),
    };
  };

  it('makes claim codes only for an authenticated caller allowed for the patient', async () => {
    const none = await post('/auth/devices/claim-codes', { pt: 'pt-1' });
    expect(none.statusCode).toBe(401);
    expect(none.headers['www-authenticate']).toBe('Bearer realm="tutela"');
    expect(none.json()).toMatchObject({ error: 'unauthenticated' });
    const other = await post('/auth/devices/claim-codes', { pt: 'pt-1' }, 'tok-other');
    expect(other.statusCode).toBe(403);
    expect(other.json()).toMatchObject({ error: 'not_allowed' });
    const bad = await post('/auth/devices/claim-codes', { pt: 'pt-1', extra: 1 }, 'tok-nurse');
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ error: 'bad_request' });
    const ok = await post('/auth/devices/claim-codes', { pt: 'pt-1' }, 'tok-nurse');
    expect(ok.statusCode).toBe(201);
    expect(ok.json()).toEqual({
      code: expect.stringMatching(/^[2-9A-HJ-NP-Z]{16}$/),
      pt: 'pt-1',
      expiresAt: expect.any(Number),
    });
  });

  it('claims with the code alone, lists and revokes with a bearer', async () => {
    const { code } = (await post('/auth/devices/claim-codes', { pt: 'pt-1' }, 'tok-nurse')).json<{
      code: string;
    }>();
    const claimed = await post(
      '/auth/devices/claim',
      { code, ...(await material()) },
      undefined,
      '10.0.0.2',
    );
    expect(claimed.statusCode).toBe(201);
    const body = claimed.json<{ dev: string; certificate: string; chain: string }>();
    expect(body).toMatchObject({
      pt: 'pt-1',
      cse: { rn: 'cse-in', inbox: '/cse-in/tutela/pt-1/inbox' },
    });
    expect(body.certificate).toMatch(/^-----BEGIN CERTIFICATE-----/);
    const again = await post(
      '/auth/devices/claim',
      { code, ...(await material()) },
      undefined,
      '10.0.0.2',
    );
    expect(again.statusCode).toBe(403);
    expect(again.json()).toMatchObject({ error: 'invalid_claim_code' });

    expect((await app.inject({ url: '/auth/devices?pt=pt-1' })).statusCode).toBe(401);
    expect(
      (
        await app.inject({
          url: '/auth/devices?pt=pt-1',
          headers: { authorization: 'Bearer tok-other' },
        })
      ).statusCode,
    ).toBe(403);
    const list = await app.inject({
      url: '/auth/devices?pt=pt-1',
      headers: { authorization: 'Bearer tok-nurse' },
    });
    expect(list.json()).toEqual({
      devices: [expect.objectContaining({ dev: body.dev, status: 'active' })],
    });

    expect((await post(`/auth/devices/${body.dev}/revoke`, {})).statusCode).toBe(401);
    expect((await post(`/auth/devices/${body.dev}/revoke`, {}, 'tok-other')).statusCode).toBe(403);
    expect((await post('/auth/devices/gw-nonexistent00/revoke', {}, 'tok-nurse')).statusCode).toBe(
      404,
    );
    const revoked = await post(`/auth/devices/${body.dev}/revoke`, {}, 'tok-nurse');
    expect(revoked.statusCode).toBe(200);
    expect(revoked.json()).toEqual({ dev: body.dev, revokedAt: expect.any(Number) });
  });

  it('answers a bad CSR with 400 invalid_csr, a malformed body with 400', async () => {
    const { code } = (await post('/auth/devices/claim-codes', { pt: 'pt-1' }, 'tok-nurse')).json<{
      code: string;
    }>();
    const m = await material();
    const bad = await post(
      '/auth/devices/claim',
      { code, csr: 'nope', hpkePublicKey: m.hpkePublicKey },
      undefined,
      '10.0.0.3',
    );
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ error: 'invalid_csr' });
    const short = await post(
      '/auth/devices/claim',
      { code, csr: m.csr, hpkePublicKey: 'abc' },
      undefined,
      '10.0.0.3',
    );
    expect(short.statusCode).toBe(400);
    expect(short.json()).toMatchObject({ error: 'bad_request' });
  });

  it('rate-limits claims per address with 429 and Retry-After', async () => {
    const body = { code: 'AAAAAAAAAAAAAAAA', ...(await material()) };
    for (let i = 0; i < 4; i++)
      expect((await post('/auth/devices/claim', body, undefined, '10.0.0.9')).statusCode).toBe(403);
    const limited = await post('/auth/devices/claim', body, undefined, '10.0.0.9');
    expect(limited.statusCode).toBe(429);
    expect(limited.json()).toMatchObject({ error: 'rate_limited' });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    // Another address is not affected; the window passes.
    expect((await post('/auth/devices/claim', body, undefined, '10.0.0.10')).statusCode).toBe(403);
    clock += 60_000;
    expect((await post('/auth/devices/claim', body, undefined, '10.0.0.9')).statusCode).toBe(403);
  });
});

describe('RateLimiter', () => {
  it('allows max per window, then says how long to wait, and forgets old windows', () => {
    let t = 0;
    const r = new RateLimiter(2, 10_000, () => t, 3);
    expect([r.hit('a'), r.hit('a'), r.hit('a')]).toEqual([0, 0, 10]);
    t = 4_000;
    expect(r.hit('a')).toBe(6);
    t = 10_000;
    expect(r.hit('a')).toBe(0);
    for (const k of ['b', 'c', 'd', 'e']) expect(r.hit(k)).toBe(0);
    expect((r as unknown as { windows: Map<string, unknown> }).windows.size).toBeLessThanOrEqual(3);
  });
});
