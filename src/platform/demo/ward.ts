import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Config } from '../../core/config/index.js';
import { Rsc, TutelaError } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import { M2MClient } from '../../core/m2m/index.js';
import { loadOrCreateKeyFile } from '../../crypto/key-file.js';
import type { AppServer } from '../../app-server/app-server.js';
import type { Role } from '../../app-server/directory/roles.js';
import { gatewayAe, patientPaths } from '../../app-server/layout/patient-layout.js';
import { writeDemoCredentials, type DemoCredentials } from '../../clients/cli/credentials.js';
import { Gateway } from '../../patient-side/gateway/gateway.js';
import { loadOnboarded, onboard, type Onboarded } from '../../patient-side/gateway/onboard.js';
import type { PlatformDevices } from '../devices.js';
import { Spool } from '../../patient-side/gateway/spool.js';
import { observeChanges } from '../../patient-side/gateway/observe.js';
import { CommandRunner } from '../../patient-side/gateway/commands.js';
import {
  collectReadings,
  deviceOf,
  SimulatedPatient,
  startThingServer,
  ThingConsumer,
  type EpisodeKind,
  type ScheduledEpisode,
  type ThingServer,
} from '../../patient-side/things/index.js';

/** The demo's people: one per actor whose view differs (DESIGN.md actors, default ALs). */
export const DEMO_PEOPLE: ReadonlyArray<{ id: string; role: Role }> = [
  { id: 'doctor', role: 'doctor' },
  { id: 'nurse', role: 'nurse' },
  { id: 'responder', role: 'responder' },
  { id: 'family', role: 'family' },
  { id: 'insurer', role: 'insurer' },
];

const MINUTE = 60_000;
/** How often each demo gateway asks the CSE for remote commands. */
const COMMAND_POLL_MS = 3_000;

/** The demo patient's own user: `pt-0001` signs in as `patient-0001` and is a participant of their episode. */
export const patientUser = (pt: string) => `patient-${pt.slice(3)}`;

/** Who deteriorates, and when (simulated time from the start; see config demo.timeScale). */
function scheduleFor(index: number, timeScale: number): ScheduledEpisode[] {
  // Patient 2 develops sepsis about two minutes after start; patient 4 becomes hypoxic later.
  if (index === 1)
    return [{ kind: 'sepsis', afterMs: 2 * MINUTE * timeScale, rampMs: 6 * MINUTE * timeScale }];
  if (index === 3)
    return [
      {
        kind: 'hypoxia',
        afterMs: 6 * MINUTE * timeScale,
        rampMs: 4 * MINUTE * timeScale,
        durationMs: 10 * MINUTE * timeScale,
      },
    ];
  return [];
}

const NOTES = [
  'slept badly',
  'a little breathless on the stairs',
  'took the evening tablets',
  'feeling fine today',
];

export interface DemoWard {
  patients: Array<{ pt: string; episode?: string }>;
  /** Starts a deterioration episode now (the simulator's command), reaching full severity after `rampMs` of simulated time. */
  startEpisode(pt: string, kind: EpisodeKind, rampMs?: number): void;
  people: DemoCredentials['users'];
  thingsUrl: string;
  close(): Promise<void>;
}

export interface WardOptions {
  config: Config;
  appServer: AppServer;
  platformUrl: string;
  ca?: string | undefined;
  caFile?: string | undefined;
  tls?: { key: string; cert: string } | undefined;
  /** Device onboarding: with TLS on, each gateway is claimed with a one-time code and uses its certificate. */
  devices?: PlatformDevices | undefined;
  log: Logger;
}

/**
 * The demo ward of `npm start`: a few simulated patients whose W3C WoT
 * Things (served over HTTPS with per-patient bearer tokens) are read every
 * tick by each patient's gateway, which seals the readings and sends them
 * into the CSE; the application server does the rest. Demo people and their
 * tokens are made at first start and written to the data directory's
 * credentials file (0600) for `npx tutela watch`.
 */
export async function startDemoWard(o: WardOptions): Promise<DemoWard> {
  const { config, appServer, log } = o;
  const pts = Array.from(
    { length: config.demo.patients },
    (_, i) => `pt-${String(i + 1).padStart(4, '0')}`,
  );
  const people = await ensurePeople(o, pts);
  const sims = pts.map((pt, i) => {
    const schedule = scheduleFor(i, config.demo.timeScale);
    return {
      pt,
      token: randomBytes(24).toString('base64url'),
      schedule,
      simulation: new SimulatedPatient({
        patient: pt,
        timeCompression: config.demo.timeScale,
        schedule,
      }),
    };
  });
  const things: ThingServer = await startThingServer({
    patients: sims.map((s) => ({ token: s.token, simulation: s.simulation })),
    ...(o.tls ? { tls: o.tls } : { allowInsecureHttp: true }),
    host: config.host,
    port: 0,
    log,
  });
  const gateways: Gateway[] = [];
  const closers: Array<() => Promise<void>> = [];
  try {
    for (const [i, s] of sims.entries()) {
      const { dev, dir, deviceKey, clientCert } = await demoGateway(o, s.pt);
      const consumer = new ThingConsumer({ token: s.token, ca: o.ca, allowInsecureHttp: !o.tls });
      const devices = await consumer.discover(`${things.url}/things`);
      const cse = new M2MClient({
        baseUrl: o.platformUrl,
        origin: gatewayAe(dev),
        ca: o.ca,
        clientCert,
      });
      closers.push(
        () => consumer.close(),
        () => cse.close(),
      );
      let tick = 0;
      const gateway = new Gateway({
        patient: s.pt,
        deviceId: dev,
        deviceKey,
        appKey: { kid: appServer.appKey.kid, publicKey: appServer.appKey.pair.publicKey },
        cse,
        inbox: patientPaths(config.cse.rn, s.pt).inbox,
        spool: new Spool(dir),
        source: async () => {
          tick++;
          return {
            readings: await collectReadings(devices),
            // A home position (restricted, R) and now and then a note typed by the patient (R).
            location: { lat: 48.85 + i * 0.01, lon: 2.35 + i * 0.01, accuracyM: 20 },
            ...(tick % 7 === 3 ? { note: NOTES[(tick + i) % NOTES.length]! } : {}),
          };
        },
        tickMs: config.demo.tickMs,
        log,
      });
      gateway.start();
      gateways.push(gateway);
      // Remote commands (issue 5 item 5): the gateway polls for commands sealed to it.
      const paths = patientPaths(config.cse.rn, s.pt);
      const runner = new CommandRunner({
        patient: s.pt,
        deviceId: dev,
        deviceKey,
        appKey: { kid: appServer.appKey.kid, publicKey: appServer.appKey.pair.publicKey },
        cse,
        commands: paths.commands,
        acks: paths.acks,
        things: () => devices,
        dir,
        pollMs: COMMAND_POLL_MS,
        log,
        onSpotCheck: () => void gateway.tick(),
      });
      runner.start();
      closers.unshift(() => runner.stop());
      // A carer's consciousness entry goes out at once: new confusion alone scores 3.
      const entry = devices.find((t) => deviceOf(t) === 'consciousness');
      if (entry) {
        const w = observeChanges(entry, 'acvpu', () => void gateway.tick(), log);
        closers.unshift(() => w.close());
      }
    }
  } catch (err) {
    for (const g of gateways) await g.stop();
    for (const c of closers) await c();
    await things.close();
    throw err;
  }
  return {
    patients: sims.map((s) => ({
      pt: s.pt,
      ...(s.schedule[0] ? { episode: s.schedule[0].kind } : {}),
    })),
    people,
    thingsUrl: things.url,
    startEpisode(pt, kind, rampMs) {
      const sim = sims.find((s) => s.pt === pt);
      if (!sim) throw new TutelaError('not_found', Rsc.NOT_FOUND, `no demo patient ${pt}`);
      sim.simulation.physiology.startEpisode(kind, rampMs === undefined ? {} : { rampMs });
    },
    async close() {
      for (const g of gateways) await g.stop();
      for (const c of closers) await c();
      await things.close();
    },
  };
}

/**
 * A demo patient's gateway, provisioned with the patient. With TLS and
 * device onboarding it is claimed as a real one would be: a one-time code,
 * key pairs made in its own folder, a device certificate for mutual TLS
 * (claimed again only if its certificate was revoked or nears expiry).
 * Without TLS (tests, behind a proxy) its key is registered directly.
 */
async function demoGateway(
  o: WardOptions,
  pt: string,
): Promise<{
  dev: string;
  dir: string;
  deviceKey: Onboarded['deviceKey'];
  clientCert?: Onboarded['clientCert'];
}> {
  const { config, appServer } = o;
  const team = DEMO_PEOPLE.map((p) => p.id);
  const legacy = `gw-${pt.slice(3)}`;
  if (!o.tls || !o.devices) {
    const dir = join(config.dataDir, 'demo', 'gateways', legacy);
    const deviceKey = await loadOrCreateKeyFile(join(dir, 'device.key'));
    await appServer.provision({
      pt,
      gateway: { dev: legacy, publicKey: deviceKey.publicRaw },
      patient: patientUser(pt),
      team,
    });
    return { dev: legacy, dir, deviceKey };
  }
  await appServer.provision({ pt, patient: patientUser(pt), team });
  // A gateway registered directly by an earlier version has no certificate: it may write no more.
  if (await appServer.gateways.find(legacy)) await appServer.revokeGateway(legacy, 'demo');
  const dir = join(config.dataDir, 'demo', 'gateways', pt);
  let gw = await loadOnboarded(dir);
  if (gw) {
    const row = await o.devices.onboarding.registry.get(gw.dev);
    if (!row || row.status !== 'active' || row.not_after < Date.now() + 86_400_000) gw = undefined;
  }
  if (!gw) {
    const { code } = await o.devices.onboarding.createClaimCode(pt, 'demo');
    gw = await onboard({ platformUrl: o.platformUrl, code, ca: o.ca, dir });
  }
  return { dev: gw.dev, dir, deviceKey: gw.deviceKey, clientCert: gw.clientCert };
}

/**
 * The demo people and each patient's own user, made the first time. They
 * sign in through the OpenID provider (their accounts are the provider's
 * demo sheet); the credentials file keeps where the platform is and who is
 * who, for `npx tutela watch --as`, and no token.
 */
async function ensurePeople(o: WardOptions, pts: string[]): Promise<DemoCredentials['users']> {
  const { config, appServer } = o;
  const users: DemoCredentials['users'] = {};
  const everyone: Array<{ id: string; role: Role }> = [
    ...pts.map((pt) => ({ id: patientUser(pt), role: 'patient' as const })),
    ...DEMO_PEOPLE,
  ];
  for (const p of everyone) {
    if (!(await appServer.directory.user(p.id))) await appServer.directory.addUser(p.id, p.role);
    users[p.id] = { role: p.role };
  }
  writeDemoCredentials(config.dataDir, {
    url: o.platformUrl,
    ...(o.caFile ? { caFile: o.caFile } : {}),
    users,
  });
  return users;
}
