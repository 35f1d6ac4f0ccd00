import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signInWeb } from '../../auth-server/testing.js';
import { databaseTargets } from '../../core/db/testing.js';
import { silentLogger } from '../../core/log.js';
import { M2MClient } from '../../core/m2m/index.js';
import { sealAck, sealCommand } from '../../crypto/command-seal.js';
import { generateKeyPair, type HpkeKeyPair } from '../../crypto/hpke.js';
import { CommandRunner } from '../../patient-side/gateway/commands.js';
import {
  SimulatedPatient,
  startThingServer,
  ThingConsumer,
  type ConsumedThing,
  type ThingServer,
} from '../../patient-side/things/index.js';
import type { CommandBody } from '../../protocol/command.js';
import { startTestPlatform, type TestPlatform } from '../../../test/support/platform.js';
import type { AppServer } from '../app-server.js';
import { DOSE_CONFIRM_MS } from '../commands/index.js';
import { gatewayAe, patientPaths } from '../layout/patient-layout.js';
import { appRequest } from '../../../test/support/app-request.js';

const PT = 'pt-cmd';
const GW = 'gw-cmd';
const PASSWORD = 'correct horse battery staple 42';
const paths = patientPaths('cse-in', PT);

describe.each(databaseTargets())('remote commands, end to end ($name)', (target) => {
  let platform: TestPlatform;
  let app: AppServer;
  let things: ThingServer;
  let consumer: ThingConsumer;
  let devices: ConsumedThing[];
  let gwKey: HpkeKeyPair;
  let gwDir: string;
  let runner: CommandRunner;
  let gatewayNow: number | undefined;
  const clients: M2MClient[] = [];
  const token: Record<string, string> = {};

  const call = (who: string, method: string, path: string, body?: unknown) =>
    appRequest<Record<string, any>>(platform.url, String(token[who]), method, path, body);
  const issue = (who: string, body: unknown) =>
    call(who, 'POST', `/app/patients/${PT}/commands`, body);
  const confirm = (who: string, id: string) =>
    call(who, 'POST', `/app/patients/${PT}/commands/${id}/confirm`);
  const show = (id: string) => call('doc', 'GET', `/app/patients/${PT}/commands/${id}`);
  const device = (name: string) => devices.find((t) => t.name.endsWith(`:${name}`))!;

  /** Waits until the command leaves `sent` (the gateway's ack came back through the CSE). */
  async function settled(id: string): Promise<Record<string, any>> {
    for (let i = 0; i < 200; i++) {
      const c = (await show(id)).body.command as Record<string, any>;
      if (c.state !== 'sent') return c;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`command ${id} was never answered`);
  }

  function newRunner(): CommandRunner {
    const cse = new M2MClient({ baseUrl: platform.url, origin: gatewayAe(GW) });
    clients.push(cse);
    return new CommandRunner({
      patient: PT,
      deviceId: GW,
      deviceKey: gwKey,
      appKey: { kid: app.appKey.kid, publicKey: app.appKey.pair.publicKey },
      cse,
      commands: paths.commands,
      acks: paths.acks,
      things: () => devices,
      dir: gwDir,
      pollMs: 60_000,
      log: silentLogger,
      now: () => gatewayNow ?? Date.now(),
    });
  }

  beforeAll(async () => {
    platform = await startTestPlatform(target, {
      app: { enabled: true },
      auth: { enabled: true, rateLimitPerMinute: 1000 },
    });
    app = platform.appServer!;
    const accounts = platform.authServer!.accounts;
    for (const [id, role] of [
      ['doc', 'doctor'],
      ['doc2', 'doctor'],
      ['nur', 'nurse'],
      ['fam', 'family'],
      ['ins', 'insurer'],
      ['out', 'doctor'],
    ] as const)
      token[id] = await app.directory.addUser(id, role);
    // Sign-ins with a second factor (TOTP) through the platform's OpenID provider.
    for (const id of ['doc', 'nur'] as const) {
      const role = id === 'doc' ? 'doctor' : 'nurse';
      const { totpSecret } = await accounts.create({ id, role, password: PASSWORD });
      const signedIn = await signInWeb(platform.url, id, PASSWORD, totpSecret);
      token[`${id}+mfa`] = String(signedIn.access_token);
    }
    gwKey = (await generateKeyPair()).pair;
    gwDir = mkdtempSync(join(tmpdir(), 'tutela-cmd-gw-'));
    await app.provision({
      pt: PT,
      gateway: { dev: GW, publicKey: gwKey.publicRaw },
      team: ['doc', 'doc2', 'nur', 'fam', 'ins'],
    });
    const thingToken = randomBytes(24).toString('base64url');
    things = await startThingServer({
      patients: [
        { token: thingToken, simulation: new SimulatedPatient({ patient: PT, faults: false }) },
      ],
      allowInsecureHttp: true,
    });
    consumer = new ThingConsumer({ token: thingToken, allowInsecureHttp: true });
    devices = await consumer.discover(`${things.url}/things`);
    runner = newRunner();
  });

  afterAll(async () => {
    await runner?.stop();
    for (const c of clients) await c.close();
    await consumer?.close();
    await things?.close();
    await platform?.destroy();
    rmSync(gwDir, { recursive: true, force: true });
  });

  it('a nurse changes a measurement interval: sealed to the gateway, acted on, acknowledged', async () => {
    const res = await issue('nur', {
      kind: 'changeInterval',
      device: 'thermometer',
      params: { minutes: 5 },
    });
    expect(res).toMatchObject({ status: 202, body: { command: { state: 'sent', gateway: GW } } });
    const id = res.body.command.id as string;
    // What lies in the CSE is sealed: no kind, no device, no value.
    const inCse = (await app.cseClient.retrieve(paths.commands, { rcn: 4 }))['m2m:cnt'] as any;
    expect(inCse['m2m:cin']).toHaveLength(1);
    expect(String(inCse['m2m:cin'][0].con)).not.toMatch(/thermometer|changeInterval|minutes/);
    expect(await runner.poll()).toBe(1);
    expect(await settled(id)).toMatchObject({
      state: 'acknowledged',
      params: { minutes: 5 },
      result: { minutes: 5 },
      proposedBy: 'nur',
    });
    expect(await device('thermometer').readProperty('measurementInterval')).toEqual({ minutes: 5 });
    // Answered: nothing is left in the CSE for it.
    for (let i = 0; i < 100; i++) {
      const cnt = (await app.cseClient.retrieve(paths.commands))['m2m:cnt'] as { cni: number };
      if (cnt.cni === 0) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(((await app.cseClient.retrieve(paths.commands))['m2m:cnt'] as any).cni).toBe(0);
    // A spot check too (a responder's or a nurse's): one reading now, returned in the ack.
    const spot = await issue('nur', { kind: 'spotCheck', device: 'oximeter' });
    expect(spot.status).toBe(202);
    expect(await runner.poll()).toBe(1);
    expect(await settled(spot.body.command.id)).toMatchObject({
      state: 'acknowledged',
      result: { spo2: { value: expect.any(Number) } },
    });
  });

  it('refuses family, insurer and a doctor outside the episode, and audits each refusal', async () => {
    const body = { kind: 'changeInterval', device: 'oximeter', params: { minutes: 10 } };
    for (const who of ['fam', 'ins', 'out']) {
      expect(await issue(who, body), who).toMatchObject({
        status: 403,
        body: { error: 'not_allowed' },
      });
      expect((await call(who, 'GET', `/app/patients/${PT}/commands`)).status, who).toBe(403);
    }
    expect(await issue('fam', { kind: 'spotCheck', device: 'oximeter' })).toMatchObject({
      status: 403,
    });
    const refused = (await app.audit.recent(50, PT)).filter(
      (e) => e.outcome === 'refused' && e.action.startsWith('command.'),
    );
    expect(new Set(refused.map((e) => e.actor))).toEqual(new Set(['fam', 'ins', 'out']));
  });

  it('answers clear 400s: unknown kind, unknown device, rate out of bounds, bad params', async () => {
    const cases: Array<[unknown, string, RegExp]> = [
      [{ kind: 'reboot', device: 'oximeter' }, 'unknown_kind', /changeInterval, spotCheck/],
      [
        { kind: 'changeDose', device: 'oximeter', params: { rate: 5 } },
        'unknown_device',
        /infusion-pump/,
      ],
      [
        { kind: 'changeInterval', device: 'toaster', params: { minutes: 5 } },
        'unknown_device',
        /toaster/,
      ],
      [
        { kind: 'changeDose', device: 'infusion-pump', params: { rate: 501 } },
        'bad_params',
        /\/rate.*less or equal to 500/,
      ],
      [
        { kind: 'changeDose', device: 'infusion-pump', params: { rate: -1 } },
        'bad_params',
        /\/rate/,
      ],
      [
        { kind: 'changeDose', device: 'infusion-pump', params: { rate: '40' } },
        'bad_params',
        /\/rate/,
      ],
      [
        { kind: 'changeDose', device: 'infusion-pump', params: { rate: 4, bolus: 1 } },
        'bad_params',
        /bolus/,
      ],
      [
        { kind: 'changeInterval', device: 'oximeter', params: { minutes: 0 } },
        'bad_params',
        /\/minutes/,
      ],
      [{ kind: 'changeInterval', device: 'oximeter' }, 'bad_params', /minutes/],
      [{ kind: 'spotCheck', device: 'oximeter', extra: true }, 'bad_request', /extra/],
    ];
    for (const [body, error, message] of cases) {
      const res = await issue('doc+mfa', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error, JSON.stringify(body)).toBe(error);
      expect(res.body.message, JSON.stringify(body)).toMatch(message);
    }
  });

  it('a dose change waits for a second clinician with a second factor, then the pump runs at it', async () => {
    const dose = { kind: 'changeDose', device: 'infusion-pump', params: { rate: 42 } };
    expect(await issue('doc', dose)).toMatchObject({
      status: 403,
      body: { error: 'mfa_required' },
    });
    expect(await issue('nur+mfa', dose)).toMatchObject({
      status: 403,
      body: { error: 'not_allowed' },
    });
    const proposed = await issue('doc+mfa', dose);
    expect(proposed).toMatchObject({
      status: 202,
      body: { command: { state: 'awaiting-confirmation', proposedBy: 'doc', gateway: null } },
    });
    const id = proposed.body.command.id as string;
    // Nothing reaches the gateway before confirmation.
    expect(await runner.poll()).toBe(0);
    expect(await device('infusion-pump').readProperty('rate')).toMatchObject({ value: 0 });

    expect(await confirm('doc+mfa', id)).toMatchObject({
      status: 403,
      body: { error: 'four_eyes' },
    });
    expect(await confirm('nur', id)).toMatchObject({
      status: 403,
      body: { error: 'mfa_required' },
    });
    expect(await confirm('fam', id)).toMatchObject({ status: 403, body: { error: 'not_allowed' } });
    expect((await show(id)).body.command.state).toBe('awaiting-confirmation');

    const confirmed = await confirm('nur+mfa', id);
    expect(confirmed).toMatchObject({
      status: 202,
      body: { command: { state: 'sent', confirmedBy: 'nur', gateway: GW } },
    });
    expect(await confirm('nur+mfa', id)).toMatchObject({ status: 409 });
    expect(await runner.poll()).toBe(1);
    expect(await settled(id)).toMatchObject({
      state: 'acknowledged',
      params: { rate: 42 },
      result: { value: 42 },
    });
    expect(await device('infusion-pump').readProperty('rate')).toMatchObject({ value: 42 });
    const trail = (await app.audit.recent(100, PT)).map((e) => `${e.action}:${e.outcome}`);
    for (const step of [
      'command.propose:ok',
      'command.confirm:refused',
      'command.confirm:ok',
      'command.send:ok',
      'command.ack:ok',
    ])
      expect(trail).toContain(step);
  });

  it('an unconfirmed dose change expires after its documented time', async () => {
    const proposed = await issue('doc+mfa', {
      kind: 'changeDose',
      device: 'infusion-pump',
      params: { rate: 80 },
    });
    const id = proposed.body.command.id as string;
    const clock = app.commands as unknown as { now: () => number };
    const real = clock.now;
    clock.now = () => Date.now() + DOSE_CONFIRM_MS + 1_000;
    try {
      expect((await show(id)).body.command).toMatchObject({ state: 'expired', code: 'expired' });
      expect(await confirm('nur+mfa', id)).toMatchObject({
        status: 409,
        body: { error: 'expired' },
      });
    } finally {
      clock.now = real;
    }
    expect(await runner.poll()).toBe(0);
    expect(await device('infusion-pump').readProperty('rate')).toMatchObject({ value: 42 });
  });

  it('a command the gateway gets too late is refused, and the refusal recorded', async () => {
    const res = await issue('nur', {
      kind: 'changeInterval',
      device: 'oximeter',
      params: { minutes: 30 },
    });
    gatewayNow = Date.now() + 11 * 60_000;
    try {
      expect(await runner.poll()).toBe(1);
    } finally {
      gatewayNow = undefined;
    }
    expect(await settled(res.body.command.id)).toMatchObject({ state: 'refused', code: 'expired' });
    expect(await device('oximeter').readProperty('measurementInterval')).toEqual({ minutes: 15 });
  });

  it('the gateway refuses tampered, replayed and foreign commands, even after a restart', async () => {
    const pump = device('infusion-pump');
    const seal = async (over: Partial<CommandBody>, to = gwKey, from = app.appKey.pair) =>
      sealCommand(
        {
          v: 1,
          id: `cmd-forged-${randomBytes(4).toString('hex')}`,
          pt: PT,
          dev: GW,
          seq: 1_000,
          kind: 'changeDose',
          device: 'infusion-pump',
          params: { rate: 99 },
          issuedAt: Date.now(),
          expiresAt: Date.now() + 60_000,
          ...over,
        },
        app.appKey.kid,
        to.publicKey,
        from,
      );
    const put = (sealed: unknown, rn: string) =>
      app.cseClient.createInstance(paths.commands, JSON.stringify(sealed), { rn });
    const other = (await generateKeyPair()).pair;
    const good = await seal({ seq: 1_000 });
    const flipped = { ...good, ct: (good.ct[0] === 'A' ? 'B' : 'A') + good.ct.slice(1) };
    await put(flipped, 'x-tampered');
    await put({ ...good, seq: 1_001 }, 'x-renumbered');
    await put(await seal({ seq: 1_002 }, other), 'x-to-another-gateway');
    await put(await seal({ seq: 1_003 }, gwKey, other), 'x-not-from-the-app');
    await put(await seal({ seq: 1_004, dev: 'gw-else' }, other), 'x-for-gw-else');
    await put(await seal({ seq: 1 }), 'x-replayed-seq');
    await put('{"v":1,"typ":"tutela.command"}', 'x-malformed');
    // A restarted gateway remembers its sequence numbers.
    await runner.stop();
    runner = newRunner();
    expect(await runner.poll()).toBe(0);
    expect(await pump.readProperty('rate')).toMatchObject({ value: 42 });
    // The same, untouched, does go through: what was refused was refused for its defects.
    await put(good, 'x-good');
    expect(await runner.poll()).toBe(1);
    expect(await pump.readProperty('rate')).toMatchObject({ value: 99 });
    // And once acted on, it is never acted on again, under any name.
    await pump.invokeAction('setRate', { rate: 42 });
    await put(good, 'x-good-again');
    expect(await runner.poll()).toBe(0);
    expect(await pump.readProperty('rate')).toMatchObject({ value: 42 });
  });

  it('the application server refuses and audits acks that are forged, tampered or answer nothing', async () => {
    const gwCse = new M2MClient({ baseUrl: platform.url, origin: gatewayAe(GW) });
    clients.push(gwCse);
    const issued = await issue('nur', { kind: 'spotCheck', device: 'thermometer' });
    const { id } = issued.body.command as { id: string };
    const row = await app.database.db
      .selectFrom('commands')
      .select('seq')
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    const ack = (over: Partial<{ id: string; seq: number }> = {}, key = gwKey, dev = GW) =>
      sealAck(
        {
          v: 1,
          id,
          seq: Number(row.seq),
          outcome: 'ok',
          result: { value: 1 },
          at: Date.now(),
          ...over,
        },
        { pt: PT, dev, kid: app.appKey.kid },
        app.appKey.pair.publicKey,
        key,
      );
    const other = (await generateKeyPair()).pair;
    const good = await ack();
    const flipped = { ...good, ct: (good.ct[0] === 'A' ? 'B' : 'A') + good.ct.slice(1) };
    for (const [con, rn] of [
      [flipped, 'f-tampered'],
      [await ack({}, other), 'f-other-key'],
      [await ack({}, other, 'gw-stranger'), 'f-unknown-gateway'],
      [await ack({ seq: Number(row.seq) + 7 }), 'f-wrong-seq'],
      ['not json', 'f-malformed'],
    ] as const)
      await gwCse.createInstance(paths.acks, typeof con === 'string' ? con : JSON.stringify(con), {
        rn,
      });
    const rejects = async () =>
      (await app.audit.recent(200, PT))
        .filter((e) => e.action === 'command.ack.reject')
        .map((e) => e.detail.split(':')[0]);
    for (let i = 0; i < 200 && (await rejects()).length < 6; i++)
      await new Promise((r) => setTimeout(r, 25));
    // The earlier forged command's ack (an id the server never issued) counts as answering nothing.
    expect((await rejects()).sort()).toEqual(
      ['malformed', 'replay', 'replay', 'tampered', 'tampered', 'unknown_device'].sort(),
    );
    expect((await show(id)).body.command.state).toBe('sent');
    // The real gateway's answer still counts, once.
    await gwCse.createInstance(paths.acks, JSON.stringify(good), { rn: 'f-good' });
    expect(await settled(id)).toMatchObject({ state: 'acknowledged', result: { value: 1 } });
    await gwCse.createInstance(paths.acks, JSON.stringify(good), { rn: 'f-good-again' });
    for (let i = 0; i < 200 && (await rejects()).length < 7; i++)
      await new Promise((r) => setTimeout(r, 25));
    expect((await rejects()).filter((r) => r === 'replay')).toHaveLength(3);
    // Every ack leaves the CSE once handled (the last step of handling it): wait for that, too,
    // so no handling is still under way when the platform stops.
    const acksLeft = async () =>
      ((await app.cseClient.retrieve(paths.acks))['m2m:cnt'] as { cni: number }).cni;
    for (let i = 0; i < 200 && (await acksLeft()) !== 0; i++)
      await new Promise((r) => setTimeout(r, 25));
    expect(await acksLeft()).toBe(0);
  });

  it('keeps parameters and results sealed at rest, and the CSE never holds a command in clear', async () => {
    const rows = (await sql`select * from commands`.execute(app.database.db)).rows;
    expect(rows.length).toBeGreaterThan(3);
    const dump = JSON.stringify(rows);
    for (const needle of ['"rate"', '"minutes"', '"spo2"', ':42', '"value"'])
      expect(dump.includes(needle), needle).toBe(false);
    const cse = JSON.stringify(
      (await sql`select * from resources`.execute(platform.cse.ctx.db)).rows,
    );
    for (const needle of ['"rate"', 'changeDose', 'infusion-pump', '"minutes"'])
      expect(cse.includes(needle), needle).toBe(false);
  });
});
