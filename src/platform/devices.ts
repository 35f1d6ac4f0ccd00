import { join } from 'node:path';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Config } from '../core/config/index.js';
import type { Database } from '../core/db/index.js';
import { bearerTokenOf } from '../core/auth/bearer-token.js';
import { Rsc, TutelaError } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import type { AppServer } from '../app-server/app-server.js';
import {
  DeviceOnboarding,
  deviceRoutes,
  ensureDeviceCa,
  type AuthorizeDevices,
  type DeviceCa,
} from '../auth-server/devices/index.js';
import {
  deviceDb,
  openAuthDatabase,
  type AuthTables,
  type DeviceTables,
} from '../auth-server/store/index.js';
import type { AuthenticateOriginator } from '../service-layer/cse/index.js';
import type { Authenticate } from '../app-server/api/auth.js';

/** Device onboarding as the embedded platform runs it. */
export interface PlatformDevices {
  onboarding: DeviceOnboarding;
  ca: DeviceCa;
  /** The CSE's originator check: a device originator must present its current certificate. */
  authenticateOriginator: AuthenticateOriginator;
  /** Mounts /auth/devices, with the application server that enrols and revokes gateways. */
  mount(app: FastifyInstance, appServer: AppServer, authenticate: Authenticate): Promise<void>;
  close(): Promise<void>;
}

/** Roles that may claim and revoke a patient's gateways, as participants of that patient's episode. */
const DEVICE_MANAGERS = new Set(['patient', 'doctor', 'nurse', 'family']);

/** The originator of a gateway: `C<dev>`, device ids starting `gw-` (device ids minted at onboarding do). */
export const DEVICE_ORIGINATOR = /^C(gw-[A-Za-z0-9._-]{1,125})$/;

/**
 * Who may manage a patient's gateways: a caller the platform authenticates
 * (an access token of its OpenID provider, or an interim API token while
 * those are on) who takes part in that patient's episode with a role that
 * manages devices.
 */
export function episodeAuthorizer(
  appServer: AppServer,
  authenticate: Authenticate,
): AuthorizeDevices {
  return async (req: FastifyRequest, pt: string) => {
    const token = bearerTokenOf(req.headers.authorization);
    const user = token ? await authenticate(token) : undefined;
    if (!user)
      throw new TutelaError(
        'unauthenticated',
        Rsc.ORIGINATOR_HAS_NOT_REGISTERED,
        'a valid bearer token is required',
      );
    const participant = await appServer.episodes.participation(pt, user.id);
    return participant && DEVICE_MANAGERS.has(participant.role) ? { user: user.id } : undefined;
  };
}

/**
 * Opens the authorization server's device store and CA (`<dataDir>/devices`)
 * before the HTTPS server exists: the server must trust the device CA for
 * client certificates. Enrolment and revocation go to the application
 * server given to `mount`.
 */
export async function openPlatformDevices<DB extends DeviceTables = AuthTables>(
  config: Config,
  log: Logger,
  opts: {
    /**
     * The authorization server's database when the platform opens it once for the whole zone
     * (migrated with `deviceMigrations` among others); it stays open on close. Absent: the
     * device tables' own `auth` database is opened here.
     */
    database?: { db: Kysely<DB> };
  } = {},
): Promise<PlatformDevices> {
  const ca = await ensureDeviceCa(join(config.dataDir, 'devices'));
  const own: Database<AuthTables> | undefined = opts.database
    ? undefined
    : await openAuthDatabase(config);
  const db = opts.database ? deviceDb(opts.database.db) : deviceDb(own!.db);
  let appServer: AppServer | undefined;
  const app = () => {
    if (!appServer) throw new Error('device onboarding is not mounted');
    return appServer;
  };
  const onboarding = new DeviceOnboarding({
    db,
    ca,
    certDays: config.devices.certDays,
    log,
    async enrol({ dev, pt, hpkePublicKey }) {
      const server = app();
      const { inbox } = await server.enrolGateway(dev, pt, hpkePublicKey);
      return {
        cse: { rn: config.cse.rn, inbox },
        app: {
          kid: server.appKey.kid,
          publicKey: Buffer.from(server.appKey.pair.publicRaw).toString('base64url'),
        },
      };
    },
    revoked: ({ dev, by }) => app().revokeGateway(dev, by),
  });
  return {
    onboarding,
    ca,
    // With TLS on, every gateway originator must be an onboarded device with its certificate;
    // without TLS (tests, behind a proxy) gateways registered directly still write.
    authenticateOriginator: async ({ originator, certificate }) => {
      const dev = DEVICE_ORIGINATOR.exec(originator)?.[1];
      return dev === undefined
        ? undefined
        : onboarding.checkDevice(dev, certificate, { onboardedOnly: config.tls.enabled });
    },
    async mount(fastify, server, authenticate) {
      appServer = server;
      await fastify.register(deviceRoutes, {
        prefix: '/auth/devices',
        onboarding,
        authorize: episodeAuthorizer(server, authenticate),
      });
    },
    close: async () => {
      await own?.close();
    },
  };
}
