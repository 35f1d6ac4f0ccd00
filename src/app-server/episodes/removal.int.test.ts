import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { Rsc } from '../../core/errors.js';
import { databaseTargets } from '../../core/db/testing.js';
import { silentLogger } from '../../core/log.js';
import { M2MClient } from '../../core/m2m/index.js';
import { loadOrCreateKeyFile } from '../../crypto/key-file.js';
import { CaregiverSession, type OpenedVersion } from '../../clients/caregiver/session.js';
import { Gateway } from '../../patient-side/gateway/gateway.js';
import { Spool } from '../../patient-side/gateway/spool.js';
import type { Reading } from '../../protocol/reading.js';
import { startTestPlatform, type TestPlatform } from '../../../test/support/platform.js';
import type { AppServer } from '../app-server.js';
import { CareEpisodes, EpisodeStore } from './index.js';
import { caregiverAe, gatewayAe, patientPaths } from '../layout/patient-layout.js';

const PT = 'pt-9';
const paths = patientPaths('cse-in', PT);

function vitals(pulse: number): Reading[] {
  const at = new Date().toISOString();
  return [
    { device: 'ox', metric: 'spo2', at, value: 97 },
    { device: 'ox', metric: 'pulse', at, value: pulse },
    { device: 'rr', metric: 'respiratoryRate', at, value: 16 },
  ];
}

async function waitFor(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 300 && !cond(); i++) await new Promise((r) => setTimeout(r, 20));
  if (!cond()) throw new Error(`timed out waiting for ${what}`);
}

/** A bare notification channel of an AE: acknowledges everything, keeps what came and how it ended. */
function rawChannel(url: string, ae: string) {
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/ws?ae=${ae}`, 'oneM2M.json');
  const got: Array<{ sur?: string; con?: string }> = [];
  let closed: { code: number; reason: string } | undefined;
  ws.on('message', (data) => {
    const msg = JSON.parse(String(data)) as {
      rqi?: string;
      pc?: { 'm2m:sgn'?: { sur?: string; nev?: { rep?: { 'm2m:cin'?: { con?: string } } } } };
    };
    if (msg.rqi) ws.send(JSON.stringify({ rsc: Rsc.OK, rqi: msg.rqi }));
    const sgn = msg.pc?.['m2m:sgn'];
    got.push({ sur: sgn?.sur, con: sgn?.nev?.rep?.['m2m:cin']?.con });
  });
  ws.on('close', (code, reason) => (closed = { code, reason: String(reason) }));
  const open = new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return {
    open,
    versions: () => got.filter((g) => g.con),
    closed: () => closed,
    close: () => ws.terminate(),
  };
}

describe.each(databaseTargets())('leaving and joining a care episode ($name)', (target) => {
  let platform: TestPlatform;
  let app: AppServer;
  let dir: string;
  let gateway: Gateway;
  let pulse = 70;
  const token: Record<string, string> = {};
  const sessions: Record<string, CaregiverSession> = {};
  const doctorGot: OpenedVersion[] = [];
  const closers: Array<() => Promise<void> | void> = [];
  let nurse: ReturnType<typeof rawChannel>;
  /** The N version of a reading sealed after the nurse's removal, before she joins again. */
  let afterRemoval = '';

  const api = async (who: string, method: string, path: string, body?: unknown) => {
    const res = await fetch(`${platform.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token[who]}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    platform = await startTestPlatform(target, { app: { enabled: true } });
    app = platform.appServer!;
    dir = mkdtempSync(join(tmpdir(), 'tutela-removal-'));
    for (const [id, role] of [
      ['pat', 'patient'],
      ['doc', 'doctor'],
      ['nur', 'nurse'],
      ['ins', 'insurer'],
      ['fam', 'family'],
    ] as const)
      token[id] = await app.directory.addUser(id, role);
    const deviceKey = await loadOrCreateKeyFile(join(dir, 'gw', 'device.key'));
    await app.provision({
      pt: PT,
      gateway: { dev: 'gw9', publicKey: deviceKey.publicRaw },
      patient: 'pat',
      team: ['doc', 'nur', 'ins', 'fam'],
    });
    for (const id of ['doc', 'nur', 'ins', 'fam']) {
      const s = new CaregiverSession({
        baseUrl: platform.url,
        token: token[id]!,
        stateDir: join(dir, 'clients', id),
      });
      sessions[id] = s;
      closers.push(() => s.close());
      await s.start();
      // A channel must be open before subscribing: the CSE verifies the target (TS-0004 §7.3.8.2.1).
      if (id === 'nur') {
        nurse = rawChannel(platform.url, caregiverAe('nur'));
        closers.push(() => nurse.close());
        await nurse.open;
      } else
        await s.listen(
          (v) => (id === 'doc' ? doctorGot.push(v) : undefined),
          () => undefined,
        );
      await s.subscribe(PT, 'all');
    }
    const cse = new M2MClient({ baseUrl: platform.url, origin: gatewayAe('gw9') });
    closers.push(() => cse.close());
    gateway = new Gateway({
      patient: PT,
      deviceId: 'gw9',
      deviceKey,
      appKey: { kid: app.appKey.kid, publicKey: app.appKey.pair.publicKey },
      cse,
      inbox: paths.inbox,
      spool: new Spool(join(dir, 'gw')),
      source: async () => ({ readings: vitals(++pulse) }),
      tickMs: 60_000,
      log: silentLogger,
    });
  });

  afterAll(async () => {
    for (const c of closers) await c();
    await platform.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('revokes everything before DELETE returns; the next reading is sealed under a new epoch and not delivered', async () => {
    await gateway.tick();
    await waitFor(() => doctorGot.length >= 1 && nurse.versions().length >= 1, 'the first reading');
    // Before: the nurse opens her version with a key released to her device.
    const before = await sessions.nur!.open(nurse.versions()[0]!.con!);
    const oldEpoch = before.sealed.epoch;
    expect(before.sealed.rl).toBe('N');
    const nurseCse = new M2MClient({ baseUrl: platform.url, origin: caregiverAe('nur') });
    closers.push(() => nurseCse.close());
    expect((await nurseCse.request('GET', `${paths.rl('N')}/la`)).rsc).toBe(Rsc.OK);

    const res = await api('pat', 'DELETE', `/app/episodes/${PT}/participants/nur`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ removed: 'nur' });
    expect(typeof res.body.at).toBe('number');

    // Keys: refused, for the epoch she had and any other.
    const device = JSON.parse(readFileSync(join(dir, 'clients', 'nur', 'device.json'), 'utf8')) as {
      device: string;
    };
    const key = await api('nur', 'POST', '/app/keys', {
      pt: PT,
      rl: 'N',
      epoch: oldEpoch,
      device: device.device,
    });
    expect(key).toMatchObject({ status: 403, body: { error: 'not_in_episode' } });
    // Subscription: gone from every container of hers.
    const sub = await app.cseClient.request('GET', `${paths.rl('N')}/sub-nur`);
    expect(sub.rsc).toBe(Rsc.NOT_FOUND);
    // The CSE: refuses her AE (the ACP no longer names it).
    expect((await nurseCse.request('GET', `${paths.rl('N')}/la`)).rsc).toBe(
      Rsc.ORIGINATOR_HAS_NO_PRIVILEGE,
    );
    expect((await nurseCse.request('GET', `${paths.alert('N')}`)).rsc).toBe(
      Rsc.ORIGINATOR_HAS_NO_PRIVILEGE,
    );
    // Her open channel: closed by the CSE with 1008 (policy violation).
    await waitFor(() => nurse.closed() !== undefined, 'the channel to close');
    expect(nurse.closed()!.code).toBe(1008);
    // Nor may she subscribe again.
    expect(await api('nur', 'POST', '/app/subscriptions', { pt: PT, kind: 'all' })).toMatchObject({
      status: 403,
      body: { error: 'not_in_episode' },
    });
    // The epoch: rotated.
    const epochNow = await app.keyring.currentEpoch(PT);
    expect(epochNow).toBeGreaterThan(oldEpoch);

    // Even on a new channel, the next reading does not reach her; the doctor gets it, under the new epoch.
    const again = rawChannel(platform.url, caregiverAe('nur'));
    closers.push(() => again.close());
    await again.open;
    const seen = doctorGot.length;
    await gateway.tick();
    await waitFor(() => doctorGot.length > seen, 'the next reading at the doctor');
    const next = doctorGot[doctorGot.length - 1]!;
    expect(next.sealed.epoch).toBe(epochNow);
    await new Promise((r) => setTimeout(r, 300));
    expect(again.versions()).toHaveLength(0);
    expect(nurse.versions()).toHaveLength(1);
    // Nor could she open it with a key she still holds from before.
    await expect(sessions.nur!.open(JSON.stringify(next.sealed))).rejects.toBeTruthy();
    const rn = `v-${next.sealed.src.replace(':', '-')}`;
    const atN = await app.cseClient.retrieve(`${paths.rl('N')}/${rn}`);
    afterRemoval = (atN['m2m:cin'] as { con: string }).con;
    await expect(sessions.nur!.open(afterRemoval)).rejects.toMatchObject({
      code: 'not_in_episode',
    });

    const audit = (await app.audit.recent(50, PT)).filter((e) => e.action === 'episode.remove');
    expect(audit[0]).toMatchObject({ actor: 'pat', outcome: 'ok' });
    expect(audit[0]!.detail).toContain('nur');
  });

  it('serialises concurrent removals: both take effect, and the ACPs keep neither', async () => {
    const [a, b, c] = await Promise.all([
      api('pat', 'DELETE', `/app/episodes/${PT}/participants/ins`),
      api('doc', 'DELETE', `/app/episodes/${PT}/participants/fam`),
      api('doc', 'DELETE', `/app/episodes/${PT}/participants/ins`),
    ]);
    expect([a.status, b.status, c.status].sort()).toEqual([200, 200, 404]);
    expect([a, c].find((r) => r.status === 404)!.body.error).toBe('not_participant');
    for (const k of ['U', 'L', 'M', 'N', 'R', 'V'] as const) {
      const acp = (await app.cseClient.retrieve(`/cse-in/tutela/acp-${PT}-rl-${k}`)) as {
        'm2m:acp': { pv: { acr: Array<{ acor: string[] }> } };
      };
      const named = acp['m2m:acp'].pv.acr.flatMap((r) => r.acor);
      expect(named).not.toContain('Cins');
      expect(named).not.toContain('Cfam');
      expect(named).not.toContain('Cnur');
    }
    const view = await api('pat', 'GET', `/app/episodes/${PT}`);
    expect((view.body.participants as Array<{ user: string }>).map((p) => p.user).sort()).toEqual([
      'doc',
      'pat',
    ]);
    // Nothing left half-done.
    const pending = await app.database.db
      .selectFrom('revocations')
      .selectAll()
      .where('done_at', 'is', null)
      .execute();
    expect(pending).toEqual([]);
  });

  it('records a removal that fails half-way, refuses keys at once, and finishes it at the next start', async () => {
    const broken = new M2MClient({ baseUrl: 'http://127.0.0.1:1', origin: 'Ctutela-app' });
    closers.push(() => broken.close());
    const episodes = new CareEpisodes({
      store: new EpisodeStore(app.database.db, app.database.dialect),
      directory: app.directory,
      keyring: app.keyring,
      audit: app.audit,
      access: app.access,
      cse: () => broken,
      cseRn: 'cse-in',
      log: silentLogger,
    });
    const epoch = await app.keyring.currentEpoch(PT);
    await expect(episodes.remove(PT, 'pat', 'doc')).rejects.toMatchObject({
      code: 'revocation_pending',
      status: 500,
    });
    // The participation ended first: no key any more, though the CSE has not heard yet.
    expect(await app.episodes.participation(PT, 'doc')).toBeUndefined();
    const device = JSON.parse(readFileSync(join(dir, 'clients', 'doc', 'device.json'), 'utf8')) as {
      device: string;
    };
    expect(
      await api('doc', 'POST', '/app/keys', { pt: PT, rl: 'R', epoch, device: device.device }),
    ).toMatchObject({ status: 403, body: { error: 'not_in_episode' } });
    expect((await app.cseClient.request('GET', `${paths.rl('R')}/sub-doc`)).rsc).toBe(Rsc.OK);
    const [pending] = await app.database.db
      .selectFrom('revocations')
      .selectAll()
      .where('done_at', 'is', null)
      .execute();
    expect(pending).toMatchObject({ user_id: 'doc', attempts: 1 });
    expect(pending!.last_error).toBeTruthy();

    // What a start does: finish it.
    expect(await app.episodes.resumePending()).toBe(1);
    expect((await app.cseClient.request('GET', `${paths.rl('R')}/sub-doc`)).rsc).toBe(
      Rsc.NOT_FOUND,
    );
    const docCse = new M2MClient({ baseUrl: platform.url, origin: caregiverAe('doc') });
    closers.push(() => docCse.close());
    expect((await docCse.request('GET', paths.rl('R'))).rsc).toBe(Rsc.ORIGINATOR_HAS_NO_PRIVILEGE);
    expect(await app.keyring.currentEpoch(PT)).toBeGreaterThan(epoch);
    expect(await app.episodes.resumePending()).toBe(0);
    const outcomes = (await app.audit.recent(10, PT))
      .filter((e) => e.action === 'episode.remove' && e.detail.startsWith('doc'))
      .map((e) => e.outcome);
    expect(outcomes).toEqual(['ok', 'failed']);
  });

  it('gives a participant who arrives access from that moment: the next reading, not the one before', async () => {
    const res = await api('pat', 'POST', `/app/episodes/${PT}/participants`, {
      user: 'nur',
      role: 'nurse',
    });
    expect(res.status).toBe(201);
    const got: OpenedVersion[] = [];
    const problems: string[] = [];
    await sessions.nur!.listen(
      (v) => got.push(v),
      (m) => problems.push(m),
    );
    await sessions.nur!.subscribe(PT, 'all');
    await gateway.tick();
    await waitFor(() => got.length >= 1, 'the first reading after joining');
    expect(got[0]!.sealed).toMatchObject({
      pt: PT,
      rl: 'N',
      epoch: await app.keyring.currentEpoch(PT),
    });
    expect(JSON.stringify(got[0]!.content)).toContain(`"value":${pulse}`);
    // The reading published before she joined (another epoch) is not hers: no history for a nurse.
    await expect(sessions.nur!.open(afterRemoval)).rejects.toMatchObject({
      code: 'history_not_allowed',
    });
    expect(problems.filter((m) => !m.includes('closed'))).toEqual([]);
  });
});
