import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import type { Config } from '../core/config/index.js';
import type { Logger } from '../core/log.js';
import type { Database } from '../core/db/index.js';
import {
  Cse,
  openCseDatabase,
  type AuthenticateOriginator,
  type CseTables,
  type OriginatorCheck,
} from '../service-layer/cse/index.js';
import { ensureLocalTls } from './tls/index.js';
import { AppServer } from '../app-server/app-server.js';
import { openPlatformDevices, type PlatformDevices } from './devices.js';
import { mountWebApp } from './web-app.js';
import {
  APP_SERVER_CLIENT,
  AuthServer,
  openAuthDatabase,
  type AuthTables,
} from '../auth-server/index.js';
import type { Authenticate } from '../app-server/api/auth.js';
import { platformAuthenticate } from './authenticate.js';
import { cseOriginatorAuth } from './cse-auth.js';
import { clientCredentials } from './client-credentials.js';
import { httpShutdown } from './http-shutdown.js';
import { DEMO_PEOPLE, patientUser } from './demo/ward.js';

export interface Platform {
  /** Base URL, e.g. https://127.0.0.1:8443 */
  url: string;
  /** PEM of the CA clients must trust (local CA or the configured chain), when TLS is on. */
  ca?: string;
  caFile?: string;
  /** The server's key and certificate (PEM), for other local listeners (the demo's Things). */
  tls?: { key: string; cert: string };
  cse: Cse;
  /** The e-health application server (pipeline, keyring, caregiver API), unless app.enabled is off. */
  appServer: AppServer | undefined;
  /** Device onboarding (/auth/devices, the device CA), with the application server. */
  devices: PlatformDevices | undefined;
  /** The authorization server (OpenID provider under /oidc), unless auth.enabled is off. */
  authServer: AuthServer | undefined;
  app: FastifyInstance;
  databaseLocation: string;
  close(): Promise<void>;
}

async function loadTls(config: Config) {
  if (!config.tls.enabled) return undefined;
  if (config.tls.certFile && config.tls.keyFile) {
    const cert = readFileSync(config.tls.certFile, 'utf8');
    return {
      key: readFileSync(config.tls.keyFile, 'utf8'),
      cert,
      ca: cert,
      caFile: config.tls.certFile,
    };
  }
  const hosts = ['localhost', '127.0.0.1', '::1'];
  if (!hosts.includes(config.host) && config.host !== '0.0.0.0' && config.host !== '::')
    hosts.push(config.host);
  return ensureLocalTls(join(config.dataDir, 'tls'), { hosts });
}

/**
 * Runs the platform's zones in one process (the embedded mode): HTTPS by
 * default with a local CA, the CSE's HTTP binding and WebSocket channel,
 * and /healthz for operators and load balancers.
 */
export async function startPlatform(config: Config, log: Logger): Promise<Platform> {
  const tls = await loadTls(config);
  // The authorization server's database, opened once for the provider and device onboarding.
  const authDb =
    config.app.enabled || config.auth.enabled ? await openAuthDatabase(config) : undefined;
  // Before the server exists: it must trust the device CA for client certificates.
  const devices =
    config.app.enabled && authDb
      ? await openPlatformDevices(config, log, { database: authDb }).catch(async (err: unknown) => {
          await authDb.close();
          throw err;
        })
      : undefined;
  const app = Fastify({
    ...(tls
      ? {
          https: {
            key: tls.key,
            cert: tls.cert,
            // Mutual TLS for gateways: a client certificate is asked for, not required (people's
            // clients have none); the CSE checks a device's on every request.
            ...(devices
              ? { ca: devices.ca.certPem, requestCert: true, rejectUnauthorized: false }
              : {}),
          },
        }
      : {}),
    logger: false,
    bodyLimit: config.cse.maxBodyBytes,
    keepAliveTimeout: 75_000,
    return503OnClosing: true,
  }) as unknown as FastifyInstance;
  let database: Database<CseTables> | undefined;
  try {
    database = await openCseDatabase(config);
    return await serve(config, log, tls, app, database, { devices, authDb });
  } catch (err) {
    // A start that fails half-way leaves nothing open: no port, no database, no worker.
    await app.close().catch(() => undefined);
    await database?.close().catch(() => undefined);
    await devices?.close().catch(() => undefined);
    await authDb?.close().catch(() => undefined);
    throw err;
  }
}

async function serve(
  config: Config,
  log: Logger,
  tls: Awaited<ReturnType<typeof loadTls>>,
  app: FastifyInstance,
  database: Database<CseTables>,
  {
    devices,
    authDb,
  }: { devices?: PlatformDevices | undefined; authDb?: Database<AuthTables> | undefined },
): Promise<Platform> {
  const hostForUrl = config.host.includes(':') ? `[${config.host}]` : config.host;
  let url = `${tls ? 'https' : 'http'}://${hostForUrl}:${config.port}`;
  // Who may speak as an originator (docs/cse.md, Authentication): gateways by their device
  // certificate, the rest by the provider's access tokens once the authorization server runs.
  // Composed below once the zones exist; until then (nothing listens yet) nobody gets in.
  const requireTokens = config.auth.enabled && config.cse.requireTokens;
  let originatorCheck: AuthenticateOriginator = async () => 'the platform is starting';
  let authStarted = false;
  const cse = await Cse.create({
    config: config.cse,
    database,
    log,
    poa: [url],
    ...(tls ? { notifyCa: tls.ca } : {}),
    ...(devices || requireTokens
      ? { authenticateOriginator: (check: OriginatorCheck) => originatorCheck(check) }
      : {}),
  });

  app.get('/healthz', async (_req, reply) => {
    try {
      await sql`select 1`.execute(database.db);
      return { status: 'ok', cse: config.cse.cseId, database: database.dialect };
    } catch {
      return reply.code(503).send({ status: 'unavailable', reason: 'database not reachable' });
    }
  });
  // The web app's routes (/ and /web/*) before the CSE's catch-all binding takes the rest.
  await mountWebApp(app);
  await cse.register(app);
  const authServer = config.auth.enabled
    ? await AuthServer.create(app, {
        config,
        log,
        demoPeople: demoPeople(config),
        ...(authDb ? { database: authDb } : {}),
      })
    : undefined;
  // Bearer tokens on /app and /auth/devices: the provider's access tokens (platformAuthenticate).
  let authenticate: Authenticate = async () => undefined;
  const appServer = config.app.enabled
    ? await AppServer.create(app, { config, log, authenticate: (token) => authenticate(token) })
    : undefined;
  if (appServer) {
    authenticate = platformAuthenticate(appServer, authServer, apiTokensOn(config));
    if (devices) await devices.mount(app, appServer, authenticate);
  }
  originatorCheck = cseOriginatorAuth({
    devices: devices?.authenticateOriginator,
    requireTokens,
    verifier: () => (authStarted ? authServer?.verifier() : undefined),
    person: async (token) =>
      appServer ? (await authenticate(token))?.id : (await authServer?.verifier()(token))?.sub,
    interim:
      apiTokensOn(config) && appServer
        ? async (token) => (await appServer.directory.authenticate(token))?.id
        : undefined,
  });
  let appToken: ReturnType<typeof clientCredentials> | undefined;
  // After AppServer.create: its preClose hook (the live alert channel) runs before this one's.
  const shutdown = httpShutdown(app, {
    log,
    route: (req, socket, head) => {
      if (appServer?.handleUpgrade(req, socket, head)) return;
      if (!cse.handleUpgrade(req, socket, head)) socket.destroy();
    },
  });

  try {
    await app.listen({ host: config.host, port: config.port });
    const address = app.server.address();
    if (address && typeof address === 'object' && config.port === 0)
      url = `${tls ? 'https' : 'http'}://${hostForUrl}:${address.port}`;
    cse.start();
    await authServer?.start(url);
    authStarted = authServer !== undefined;
    // The application server speaks to the CSE with its own client-credentials token.
    appToken =
      authServer && requireTokens
        ? clientCredentials({
            url,
            clientId: APP_SERVER_CLIENT,
            secret: authServer.appServerSecret,
            scope: 'api',
            ca: tls?.ca,
          })
        : undefined;
    await appServer?.connect(url, tls?.ca, appToken?.accessToken);
  } catch (err) {
    await appToken?.close();
    await authServer?.close();
    await appServer?.close();
    await cse.close();
    throw err;
  }
  log.info({ url, database: database.dialect }, 'platform started');

  return {
    url,
    ...(tls ? { ca: tls.ca, caFile: tls.caFile, tls: { key: tls.key, cert: tls.cert } } : {}),
    cse,
    appServer,
    devices,
    authServer,
    app,
    databaseLocation: database.location,
    async close() {
      // The CSE stops delivering first, then HTTP stops (in-flight requests finish, within a
      // grace period), then storage. No WebSocket is accepted once the close has begun.
      shutdown.refuseUpgrades();
      await cse.close();
      await shutdown.close();
      await appServer?.close();
      await appToken?.close();
      await devices?.close();
      await authServer?.close();
      await authDb?.close();
      await database.close();
    },
  };
}

/**
 * Whether /app and the CSE also take the directory's API tokens: only when
 * configured (benchmarks and tests that load the platform without the
 * provider's sign-in); never by default, the demo included.
 */
export function apiTokensOn(config: Config): boolean {
  return config.auth.apiTokens ?? false;
}

/** The demo's people and patients, who get sign-in accounts at first start. */
function demoPeople(config: Config) {
  if (!config.demo.enabled || !config.app.enabled) return [];
  // Each patient's own user (the ward's patientUser), as the application server knows them.
  const patients = Array.from({ length: config.demo.patients }, (_, i) => ({
    id: patientUser(`pt-${String(i + 1).padStart(4, '0')}`),
    role: 'patient',
  }));
  return [...DEMO_PEOPLE, ...patients];
}
