import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReadingSchema } from '../../protocol/reading-schema.js';
import { ensureLocalTls } from '../../platform/tls/index.js';
import { collectReadings } from './collect.js';
import { ConsumedThing, ThingConsumer } from './consumer.js';
import { ThingRequestError } from './errors.js';
import { SimulatedPatient } from './simulated-patient.js';
import { startThingServer, type ThingServer } from './thing-server.js';

const token = () => randomBytes(32).toString('base64url');
const until = async (cond: () => boolean, ms = 5_000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
};

/** The thrown error of a promise, to assert on. */
const failure = (p: Promise<unknown>) =>
  p.then(
    () => expect.unreachable('should have failed'),
    (err: unknown) => err as ThingRequestError,
  );

describe('Thing server and TD-driven consumer', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tutela-things-'));
  let ca: string;
  let server: ThingServer;
  let now = Date.UTC(2025, 0, 6, 8, 0, 0);
  const tokens = { a: token(), b: token() };
  let consumerA: ThingConsumer;
  let consumerB: ThingConsumer;
  let raw: Agent;
  let things: Map<string, ConsumedThing>;

  beforeAll(async () => {
    const tls = await ensureLocalTls(join(dir, 'tls'));
    ca = tls.ca;
    server = await startThingServer({
      tls,
      patients: [
        // Patient A on a hand-driven clock with clean signals; B as the demo runs them.
        {
          token: tokens.a,
          simulation: new SimulatedPatient({ patient: 'pt-a', clock: () => now, faults: false }),
        },
        {
          token: tokens.b,
          simulation: new SimulatedPatient({ patient: 'pt-b', timeCompression: 60 }),
        },
      ],
      observeIntervalMs: 20,
      heartbeatMs: 200,
    });
    consumerA = new ThingConsumer({ token: tokens.a, ca });
    consumerB = new ThingConsumer({ token: tokens.b, ca });
    raw = new Agent({ connect: { ca } });
    const found = await consumerA.discover(`${server.url}/things`);
    things = new Map(found.map((t) => [t.name.split(':').pop()!, t]));
  });

  afterAll(async () => {
    await consumerA?.close();
    await consumerB?.close();
    await raw?.close();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const get = (path: string, headers: Record<string, string> = {}) =>
    request(`${server.url}${path}`, { dispatcher: raw, headers });
  const bearer = (t: string) => ({ authorization: `Bearer ${t}` });

  it("discovers only the caller's own Things, with TDs addressed to the real server", async () => {
    expect([...things.keys()].sort()).toEqual([
      'bp-monitor',
      'consciousness',
      'infusion-pump',
      'oximeter',
      'respiration',
      'simulator',
      'thermometer',
    ]);
    const ox = things.get('oximeter')!;
    expect(ox.name).toBe('urn:tutela:thing:pt-a:oximeter');
    expect(ox.td.base).toBe(`${server.url}/things/pt-a/oximeter/`);
    const b = await consumerB.discover(`${server.url}/things`);
    expect(b.map((t) => t.name)).toContain('urn:tutela:thing:pt-b:oximeter');
    expect(b.some((t) => t.name.includes('pt-a'))).toBe(false);
    // One TD by its own URL, served as application/td+json.
    const res = await get('/things/pt-a/thermometer', bearer(tokens.a));
    expect(res.headers['content-type']).toMatch(/^application\/td\+json/);
    expect(((await res.body.json()) as any).id).toBe('urn:tutela:thing:pt-a:thermometer');
    const one = await consumerA.consume(`${server.url}/things/pt-a/thermometer`);
    expect(await one.readProperty('temperature')).toMatchObject({ value: expect.any(Number) });
  });

  it('reads every property of every Thing, and the values make valid readings', async () => {
    for (const thing of things.values())
      for (const name of Object.keys(thing.td.properties ?? {}))
        expect(await thing.readProperty(name), `${thing.name} ${name}`).toBeDefined();
    const readings = await collectReadings([...things.values()], { now: () => new Date(now) });
    for (const r of readings) expect(Value.Check(ReadingSchema, r), JSON.stringify(r)).toBe(true);
    expect(new Set(readings.map((r) => r.metric))).toEqual(
      new Set([
        'spo2',
        'pulse',
        'respiratoryRate',
        'temperature',
        'bloodPressure',
        'supplementalOxygen',
        'consciousness',
        'deviceStatus',
      ]),
    );
    expect(readings.find((r) => r.metric === 'spo2')).toMatchObject({
      device: 'oximeter',
      at: new Date(now).toISOString(),
    });
    expect(readings.filter((r) => r.metric === 'deviceStatus')).toHaveLength(6);
  });

  it('observes a property over SSE: one event per new value, and unobserves cleanly', async () => {
    const obs = await things.get('oximeter')!.observeProperty('spo2');
    const it = obs[Symbol.asyncIterator]();
    const first = (await it.next()).value as { at: string };
    expect(first.at).toBe(new Date(now).toISOString());
    // The clock stands still for many sampling intervals: nothing new, so nothing is sent.
    await new Promise((r) => setTimeout(r, 150));
    now += 10_000;
    const second = (await it.next()).value as { at: string };
    expect(second.at).toBe(new Date(now).toISOString());
    now += 10_000;
    expect(((await it.next()).value as { at: string }).at).toBe(new Date(now).toISOString());
    expect(server.openObservations).toBe(1);
    await obs.close();
    expect(await it.next()).toEqual({ done: true, value: undefined });
    await until(() => server.openObservations === 0);
  });

  it('invokes startEpisode and setOxygen, writes properties, and sees the effect', async () => {
    const sim = things.get('simulator')!;
    const ox = things.get('oximeter')!;
    const spo2 = async () => ((await ox.readProperty('spo2')) as { value: number }).value;
    const before = await spo2();
    expect(
      await sim.invokeAction('startEpisode', { kind: 'hypoxia', rampMinutes: 0 }),
    ).toMatchObject({
      kind: 'hypoxia',
      phase: 'established',
      severity: 1,
    });
    expect(await sim.readProperty('episodes')).toMatchObject([{ kind: 'hypoxia' }]);
    const hypoxic = await spo2();
    expect(hypoxic).toBeLessThanOrEqual(91);
    expect(hypoxic).toBeLessThan(before);
    expect(await ox.invokeAction('setOxygen', { on: true, flowLpm: 4 })).toEqual({
      on: true,
      flowLpm: 4,
    });
    expect(await ox.readProperty('oxygen')).toEqual({ on: true, flowLpm: 4 });
    expect(await spo2()).toBeGreaterThan(hypoxic + 3);
    await ox.writeProperty('oxygen', { on: false, flowLpm: 0 });
    expect(await ox.readProperty('oxygen')).toEqual({ on: false, flowLpm: 0 });
    expect(await sim.invokeAction('endEpisode', {})).toMatchObject([{ kind: 'hypoxia' }]);

    const cons = things.get('consciousness')!;
    await cons.writeProperty('acvpu', { value: 'V' });
    expect(await cons.readProperty('acvpu')).toEqual({
      value: 'V',
      at: new Date(now).toISOString(),
    });
    now += 60_000;
    const bp = await things.get('bp-monitor')!.invokeAction('measureNow');
    expect(bp).toMatchObject({ systolic: expect.any(Number), at: new Date(now).toISOString() });
    expect(await things.get('bp-monitor')!.readProperty('bloodPressure')).toEqual(bp);
  });

  it('answers 401 without a valid token, 403 with another patient’s', async () => {
    const none = await get('/things');
    expect(none.statusCode).toBe(401);
    expect(none.headers['www-authenticate']).toBe('Bearer realm="tutela-things"');
    expect(await none.body.json()).toEqual({
      error: 'unauthenticated',
      message: 'a bearer token is required',
    });

    const wrong = await get('/things/pt-a/oximeter/properties/spo2', bearer(token()));
    expect(wrong.statusCode).toBe(401);
    expect(wrong.headers['www-authenticate']).toBe(
      'Bearer realm="tutela-things", error="invalid_token"',
    );
    await wrong.body.dump();
    const basic = await get('/things', { authorization: `Basic ${tokens.a}` });
    expect(basic.statusCode).toBe(401);
    await basic.body.dump();

    // B's consumer, pointed at A's Thing: refused, and told why.
    const foreign = await consumerB.consume(things.get('oximeter')!.td);
    const err = await failure(foreign.readProperty('spo2'));
    expect(err).toBeInstanceOf(ThingRequestError);
    expect(err).toMatchObject({ httpStatus: 403, remoteCode: 'forbidden' });
    expect(err.message).toMatch(
      /readproperty spo2 of urn:tutela:thing:pt-a:oximeter: HTTP 403: this token/,
    );
    // Also for a patient that does not exist: ids cannot be probed.
    const ghost = await get('/things/pt-zz/oximeter', bearer(tokens.b));
    expect(ghost.statusCode).toBe(403);
    await ghost.body.dump();
    await expect(failure(foreign.observeProperty('spo2'))).resolves.toMatchObject({
      httpStatus: 403,
    });
  });

  it('takes remote commands through the TD: interval, spot check, and a bounded pump rate', async () => {
    const pump = things.get('infusion-pump')!;
    expect(await pump.readProperty('rate')).toMatchObject({ value: 0 });
    expect(await pump.invokeAction('setRate', { rate: 42.5 })).toMatchObject({ value: 42.5 });
    expect(await pump.readProperty('rate')).toMatchObject({ value: 42.5 });
    for (const bad of [{ rate: 501 }, { rate: -1 }, { rate: '40' }, { rate: 40, bolus: 5 }, {}]) {
      const err = await failure(pump.invokeAction('setRate', bad));
      expect(err.status, JSON.stringify(bad)).toBe(400);
    }
    // Refused means unchanged.
    expect(await pump.readProperty('rate')).toMatchObject({ value: 42.5 });

    const th = things.get('thermometer')!;
    expect(await th.readProperty('measurementInterval')).toEqual({ minutes: 15 });
    expect(await th.invokeAction('setInterval', { minutes: 5 })).toEqual({ minutes: 5 });
    expect(await th.readProperty('measurementInterval')).toEqual({ minutes: 5 });
    expect((await failure(th.invokeAction('setInterval', { minutes: 0 }))).status).toBe(400);
    expect(await th.invokeAction('spotCheck')).toMatchObject({ value: expect.any(Number) });
    const bp = things.get('bp-monitor')!;
    await bp.invokeAction('setInterval', { minutes: 60 });
    expect(await bp.readProperty('measurementInterval')).toEqual({ minutes: 60 });
    expect(await things.get('oximeter')!.invokeAction('spotCheck')).toMatchObject({
      spo2: { value: expect.any(Number) },
      pulse: { value: expect.any(Number) },
    });
  });

  it('validates inputs: 400 naming the member, 405 for read-only, 404, 409', async () => {
    const ox = things.get('oximeter')!;
    const sim = things.get('simulator')!;
    const cases: [() => Promise<unknown>, number, RegExp][] = [
      [
        () => ox.invokeAction('setOxygen', { on: true, flowLpm: 'lots' }),
        400,
        /input for setOxygen at \/flowLpm: Expected number/,
      ],
      [
        () => ox.invokeAction('setOxygen', { on: true, flowLpm: 40 }),
        400,
        /\/flowLpm: Expected number to be less or equal to 15/,
      ],
      [
        () => ox.invokeAction('setOxygen', { on: true, flowLpm: 0 }),
        400,
        /flowLpm must be above 0 when on/,
      ],
      [
        () => ox.invokeAction('setOxygen', { on: true, flowLpm: 2, extra: 1 }),
        400,
        /at \/extra: Unexpected property/,
      ],
      [
        () => ox.writeProperty('oxygen', { on: true }),
        400,
        /value for oxygen at \/flowLpm: Expected required property/,
      ],
      [
        () => sim.invokeAction('startEpisode', { kind: 'flu' }),
        400,
        /input for startEpisode at \/kind/,
      ],
      [
        () => things.get('consciousness')!.writeProperty('acvpu', { value: 'Z' }),
        400,
        /value for acvpu at \/value/,
      ],
      [
        () => things.get('bp-monitor')!.invokeAction('measureNow', { now: true }),
        400,
        /takes no input/,
      ],
      [
        () => sim.invokeAction('endEpisode', { kind: 'sepsis' }),
        409,
        /no sepsis episode is under way/,
      ],
    ];
    for (const [call, status, message] of cases) {
      const err = await failure(call());
      expect(err.httpStatus, err.message).toBe(status);
      expect(err.message).toMatch(message);
    }
    // Writing a read-only property: the TD offers no writeproperty form, so the consumer
    // does not even ask; the server would refuse with 405 (below).
    await expect(ox.writeProperty('spo2', { value: 99 })).rejects.toMatchObject({
      code: 'td_no_form',
    });
    const badJson = (headers: Record<string, string>) =>
      request(`${server.url}/things/pt-a/oximeter/properties/oxygen`, {
        dispatcher: raw,
        method: 'PUT',
        headers: { ...headers, 'content-type': 'application/json' },
        body: '{"on":',
      });
    const parsed = await badJson(bearer(tokens.a));
    expect(parsed.statusCode).toBe(400);
    expect(await parsed.body.json()).toMatchObject({ error: 'bad_request' });
    // Without a token, the body is never looked at.
    const unparsed = await badJson({});
    expect(unparsed.statusCode).toBe(401);
    await unparsed.body.dump();
    const ro = await request(`${server.url}/things/pt-a/oximeter/properties/spo2`, {
      dispatcher: raw,
      method: 'PUT',
      headers: { ...bearer(tokens.a), 'content-type': 'application/json' },
      body: '{}',
    });
    expect(ro.statusCode).toBe(405);
    expect(ro.headers.allow).toBe('GET');
    await ro.body.dump();
    const unknown = await get('/things/pt-a/oximeter/properties/glucose', bearer(tokens.a));
    expect(unknown.statusCode).toBe(404);
    expect(await unknown.body.json()).toEqual({
      error: 'not_found',
      message: 'oximeter has no property "glucose"',
    });
    // The consumer refuses what the TD does not describe, before any request.
    await expect(ox.readProperty('glucose')).rejects.toMatchObject({ code: 'td_no_affordance' });
  });
});
