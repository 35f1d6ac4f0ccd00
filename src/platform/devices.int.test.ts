import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../core/log.js';
import { M2MClient } from '../core/m2m/index.js';
import { sealReading } from '../crypto/hpke.js';
import { Gateway } from '../patient-side/gateway/gateway.js';
import { loadOnboarded, onboard, type Onboarded } from '../patient-side/gateway/onboard.js';
import { Spool } from '../patient-side/gateway/spool.js';
import type { Reading } from '../protocol/reading.js';
import { startTestPlatform, type TestPlatform } from '../../test/support/platform.js';
import type { AppServer } from '../app-server/app-server.js';
import { gatewayAe } from '../app-server/layout/patient-layout.js';

const PT = 'pt-41';
const at = () => new Date().toISOString();
const READINGS: Reading[] = [
  { device: 'ox', metric: 'spo2', at: at(), value: 97 },
  { device: 'ox', metric: 'pulse', at: at(), value: 72 },
];

async function waitFor(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/**
 * Device onboarding end to end over real HTTPS: a nurse makes a claim
 * code, the gateway claims itself with a CSR made on it, writes readings
 * with its certificate (mutual TLS), and after revocation the CSE refuses it
 * at its next request and the application server refuses its readings.
 */
describe('device onboarding over HTTPS with mutual TLS', () => {
  let platform: TestPlatform;
  let app: AppServer;
  let agent: Agent;
  let nurse: string;
  let stranger: string;
  let dirs: string[] = [];
  let first: Onboarded;
  let second: Onboarded;
  const clients: M2MClient[] = [];

  const api = async (method: 'GET' | 'POST', path: string, token?: string, body?: unknown) => {
    const res = await request(`${platform.url}${path}`, {
      method,
      dispatcher: agent,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.statusCode, body: (await res.body.json()) as Record<string, unknown> };
  };
  const claimCode = async () => {
    const res = await api('POST', '/auth/devices/claim-codes', nurse, { pt: PT });
    expect(res.status).toBe(201);
    return res.body.code as string;
  };
  const client = (origin: string, clientCert?: { key: string; cert: string }) => {
    const c = new M2MClient({ baseUrl: platform.url, origin, ca: platform.ca, clientCert });
    clients.push(c);
    return c;
  };
  const inbox = () => first.cse.inbox;
  const lastSeq = async (dev: string) =>
    (
      await app.database.db
        .selectFrom('reading_seq')
        .select('last_seq')
        .where('dev', '=', dev)
        .executeTakeFirst()
    )?.last_seq;

  beforeAll(async () => {
    platform = await startTestPlatform(
      { name: 'sqlite' },
      { tls: { enabled: true }, app: { enabled: true } },
    );
    app = platform.appServer!;
    agent = new Agent({ connect: { ca: platform.ca! } });
    nurse = await app.directory.addUser('nurse-d', 'nurse');
    stranger = await app.directory.addUser('insurer-d', 'insurer');
    await app.provision({ pt: PT, team: ['nurse-d', 'insurer-d'] });
    dirs = [0, 1].map(() => mkdtempSync(join(tmpdir(), 'tutela-gw-onboard-')));
    first = await onboard({
      platformUrl: platform.url,
      code: await claimCode(),
      ca: platform.ca,
      dir: dirs[0]!,
    });
    second = await onboard({
      platformUrl: platform.url,
      code: await claimCode(),
      ca: platform.ca,
      dir: dirs[1]!,
    });
  });
  afterAll(async () => {
    for (const c of clients) await c.close();
    await agent.close();
    await platform.destroy();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('keeps the device CA in <dataDir>/devices with its key 0600, and the gateway keys 0600', () => {
    expect(statSync(join(platform.dataDir, 'devices', 'ca-key.pem')).mode & 0o777).toBe(0o600);
    for (const f of ['tls-key.pem', 'cert.pem', 'device.key', 'onboarded.json'])
      expect(statSync(join(dirs[0]!, f)).mode & 0o777).toBe(0o600);
    expect(first.pt).toBe(PT);
    expect(first.cse).toEqual({ rn: 'cse-in', inbox: `/cse-in/tutela/${PT}/inbox` });
    expect(first.dev).not.toBe(second.dev);
  });

  it('a gateway with a wrong code is refused and keeps nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tutela-gw-onboard-'));
    dirs.push(dir);
    await expect(
      onboard({ platformUrl: platform.url, code: 'ABCDEFGHJKLMNPQR', ca: platform.ca, dir }),
    ).rejects.toMatchObject({ code: 'invalid_claim_code' });
    expect(await loadOnboarded(dir)).toBeUndefined();
  });

  it('only an allowed caller makes codes and sees devices', async () => {
    expect((await api('POST', '/auth/devices/claim-codes', undefined, { pt: PT })).status).toBe(
      401,
    );
    expect((await api('POST', '/auth/devices/claim-codes', stranger, { pt: PT })).status).toBe(403);
    expect((await api('GET', `/auth/devices?pt=${PT}`, stranger)).status).toBe(403);
    const list = await api('GET', `/auth/devices?pt=${PT}`, nurse);
    expect(list.body.devices).toHaveLength(2);
    expect(list.body.devices).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ dev: first.dev, status: 'active' }),
        expect.objectContaining({ dev: second.dev, status: 'active' }),
      ]),
    );
  });

  it('an onboarded gateway writes readings with its certificate, and they are accepted', async () => {
    const loaded = (await loadOnboarded(dirs[0]!))!;
    expect(loaded.dev).toBe(first.dev);
    const gateway = new Gateway({
      patient: PT,
      deviceId: loaded.dev,
      deviceKey: loaded.deviceKey,
      appKey: loaded.app,
      cse: client(gatewayAe(loaded.dev), loaded.clientCert),
      inbox: loaded.cse.inbox,
      spool: new Spool(dirs[0]!),
      source: async () => ({ readings: READINGS }),
      tickMs: 60_000,
      log: silentLogger,
    });
    await gateway.tick();
    await waitFor(
      async () => (await lastSeq(first.dev)) !== undefined,
      'the reading to be accepted',
    );
    expect(gateway.backlog).toBe(0);
  });

  it("without a certificate, or with another device's, a device originator gets 4103", async () => {
    const bare = await client(gatewayAe(first.dev)).request('POST', inbox(), {
      ty: 4,
      body: { 'm2m:cin': { con: 'x' } },
    });
    expect(bare.rsc).toBe(4103);
    expect(bare.body['m2m:dbg']).toMatch(/must present its device certificate/);
    const borrowed = await client(gatewayAe(first.dev), second.clientCert).request(
      'POST',
      inbox(),
      { ty: 4, body: { 'm2m:cin': { con: 'x' } } },
    );
    expect(borrowed.rsc).toBe(4103);
    expect(borrowed.body['m2m:dbg']).toMatch(
      new RegExp(`names device ${second.dev}, not ${first.dev}`),
    );
    // A gateway registered directly with the application server (no onboarding) may not write.
    await app.gateways.register('gw-legacy', PT, first.deviceKey.publicRaw);
    const legacy = await client('Cgw-legacy').request('GET', inbox());
    expect(legacy.rsc).toBe(4103);
    expect(legacy.body['m2m:dbg']).toMatch(/gateways must be onboarded/);
    await app.gateways.revoke('gw-legacy');
    // A made-up device id that looks minted is refused too.
    const unknown = await client('Cgw-aaaaaaaaaaaa', first.clientCert).request('GET', inbox());
    expect(unknown.rsc).toBe(4103);
  });

  it('after revocation the CSE refuses the device at its next request, and the app server its readings', async () => {
    const cse = client(gatewayAe(first.dev), first.clientCert);
    // The connection is up and the device accepted before the revocation.
    expect((await cse.request('GET', inbox())).rsc).not.toBe(4103);
    expect((await api('POST', `/auth/devices/${first.dev}/revoke`, stranger)).status).toBe(403);
    const revoked = await api('POST', `/auth/devices/${first.dev}/revoke`, nurse);
    expect(revoked.status).toBe(200);
    expect(revoked.body).toEqual({ dev: first.dev, revokedAt: expect.any(Number) });

    const refused = await cse.request('POST', inbox(), {
      ty: 4,
      body: { 'm2m:cin': { con: 'x' } },
    });
    expect(refused.rsc).toBe(4103);
    expect(refused.body['m2m:dbg']).toMatch(/has been revoked/);
    // The other gateway is unaffected.
    const other = await client(gatewayAe(second.dev), second.clientCert).request('GET', inbox());
    expect(other.rsc).not.toBe(4103);

    // A reading of the revoked gateway that reached the inbox (e.g. sent just before) is refused.
    const seq = 99;
    const batch = new TextEncoder().encode(
      JSON.stringify({ v: 1, patient: PT, gateway: first.dev, seq, at: at(), readings: READINGS }),
    );
    const sealed = await sealReading(
      batch,
      { pt: PT, dev: first.dev, seq, kid: app.appKey.kid },
      app.appKey.pair.publicKey,
      first.deviceKey,
    );
    await app.cseClient.createInstance(inbox(), JSON.stringify(sealed));
    const reasons = async () =>
      (await app.audit.recent(50, PT))
        .filter((e) => e.action === 'reading.reject')
        .map((e) => e.detail.split(':')[0]);
    await waitFor(async () => (await reasons()).length > 0, 'the reading to be refused');
    expect(await reasons()).toEqual(['revoked_device']);
    expect(
      (await app.audit.recent(50, PT)).some(
        (e) => e.action === 'device_revoked' && e.actor === 'nurse-d',
      ),
    ).toBe(true);
    const list = await api('GET', `/auth/devices?pt=${PT}`, nurse);
    expect(list.body.devices).toContainEqual(
      expect.objectContaining({ dev: first.dev, status: 'revoked' }),
    );
  });
});
