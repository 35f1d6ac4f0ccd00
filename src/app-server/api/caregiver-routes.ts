import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { Rsc, TutelaError } from '../../core/errors.js';
import { M2MClient, Ty } from '../../core/m2m/index.js';
import { importPublicKey, wrapKey } from '../../crypto/hpke.js';
import { fromBase64url } from '../../crypto/encoding.js';
import { CONFIDENTIALITY, visibleAt } from '../../protocol/levels.js';
import type { WrappedKey } from '../../protocol/envelope.js';
import type { AuditLog } from '../audit/audit.js';
import type { Keyring } from '../keyring/keyring.js';
import type { Directory, User } from '../directory/directory.js';
import { caregiverAe, patientPaths } from '../layout/patient-layout.js';

export interface CaregiverApiOptions {
  directory: Directory;
  keys: Pick<Keyring, 'dataKeyAt'>;
  audit: AuditLog;
  /** The application server's own client of the CSE (it creates subscriptions for people). */
  cse: () => M2MClient;
  cseRn: string;
}

const ID = Type.String({ pattern: '^[A-Za-z0-9._:-]{1,128}$' });
const RL = Type.Union(CONFIDENTIALITY.map((c) => Type.Literal(c)));
const DeviceBody = Type.Object(
  { publicKey: Type.String({ pattern: '^[A-Za-z0-9_-]{43}$' }) },
  { additionalProperties: false },
);
const KeyBody = Type.Object(
  { pt: ID, rl: RL, epoch: Type.Integer({ minimum: 1 }), device: ID },
  { additionalProperties: false },
);
const SubscriptionBody = Type.Object(
  { pt: ID, kind: Type.Union([Type.Literal('all'), Type.Literal('alerts')]) },
  { additionalProperties: false },
);

declare module 'fastify' {
  interface FastifyRequest {
    user?: User;
  }
}

const refuse = (code: string, msg: string) =>
  new TutelaError(code, Rsc.ORIGINATOR_HAS_NO_PRIVILEGE, msg);

/**
 * The caregiver-facing API of the application server, under /app:
 *
 *     GET  /app/me              who am I, my AL, my patients and where their data is
 *     POST /app/devices         register a client device public key (X25519)
 *     POST /app/keys            release a data key, HPKE-wrapped to one of my devices
 *     POST /app/subscriptions   subscribe my AE to a patient's version (or alert) container
 *
 * Every call needs `Authorization: Bearer <token>` (interim directory; the
 * authorization server replaces it). A key is released only after the
 * caller is authenticated, is in the patient's care team, has an AL that
 * reaches the RL asked for, and names a device registered to them; every
 * release and refusal is audited.
 */
export async function caregiverRoutes(
  app: FastifyInstance,
  opts: CaregiverApiOptions,
): Promise<void> {
  app.addHook('onRequest', async (req, reply) => {
    const header = req.headers.authorization ?? '';
    const token = /^Bearer ([A-Za-z0-9_-]+)$/.exec(header)?.[1];
    const user = token ? await opts.directory.authenticate(token) : undefined;
    if (!user) {
      void reply.header('www-authenticate', 'Bearer realm="tutela"');
      throw new TutelaError(
        'unauthenticated',
        Rsc.ORIGINATOR_HAS_NOT_REGISTERED,
        'a valid bearer token is required',
      );
    }
    req.user = user;
  });
  app.setErrorHandler((err: unknown, _req: FastifyRequest, reply: FastifyReply) => {
    if (err instanceof TutelaError) {
      const status = err.code === 'unauthenticated' ? 401 : err.status;
      return reply.code(status).send({ error: err.code, message: err.message });
    }
    const e = err as { validation?: unknown; statusCode?: number; message?: string };
    if (e.validation || (e.statusCode && e.statusCode < 500))
      return reply.code(e.statusCode ?? 400).send({ error: 'bad_request', message: e.message });
    app.log.error({ err }, 'caregiver API failed');
    return reply.code(500).send({ error: 'internal', message: 'internal error' });
  });

  app.get('/me', async (req) => {
    const user = req.user!;
    const patients = await opts.directory.patientsOf(user.id);
    return {
      id: user.id,
      role: user.role,
      al: user.al,
      ae: caregiverAe(user.id),
      patients: patients.map((pt) => {
        const p = patientPaths(opts.cseRn, pt);
        return { pt, versions: p.rl(user.al), alerts: p.alert(user.al) };
      }),
    };
  });

  app.post<{ Body: Static<typeof DeviceBody> }>(
    '/devices',
    { schema: { body: DeviceBody } },
    async (req, reply) => {
      const publicKey = fromBase64url(req.body.publicKey);
      await importPublicKey(publicKey); // refuses what is not an X25519 key
      const device = await opts.directory.registerDevice(req.user!.id, publicKey);
      await opts.audit.record({
        actor: req.user!.id,
        action: 'device.register',
        outcome: 'ok',
        detail: device,
      });
      return reply.code(201).send({ device });
    },
  );

  app.post<{ Body: Static<typeof KeyBody> }>(
    '/keys',
    { schema: { body: KeyBody } },
    async (req): Promise<WrappedKey> => {
      const user = req.user!;
      const { pt, rl, epoch, device } = req.body;
      const audit = (outcome: 'ok' | 'refused', detail: string) =>
        opts.audit.record({ actor: user.id, action: 'key.release', pt, outcome, detail });
      if (!(await opts.directory.isMember(pt, user.id))) {
        await audit('refused', 'not in care team');
        throw refuse('not_in_care_team', `you are not in the care team of ${pt}`);
      }
      if (!visibleAt(rl, user.al)) {
        await audit('refused', `rl ${rl} above al ${user.al}`);
        throw refuse(
          'level_not_allowed',
          `your authorization level ${user.al} does not reach ${rl}`,
        );
      }
      const deviceKey = await opts.directory.deviceKey(user.id, device);
      if (!deviceKey) {
        await audit('refused', `device ${device} not registered to caller`);
        throw refuse('unknown_device', `device ${device} is not registered to you`);
      }
      const { key } = await opts.keys.dataKeyAt(pt, rl, epoch);
      try {
        const wrapped = await wrapKey(
          key,
          { pt, rl, epoch, device },
          await importPublicKey(deviceKey),
        );
        await audit('ok', `rl ${rl} epoch ${epoch} to ${device}`);
        return wrapped;
      } finally {
        key.fill(0);
      }
    },
  );

  app.post<{ Body: Static<typeof SubscriptionBody> }>(
    '/subscriptions',
    { schema: { body: SubscriptionBody } },
    async (req, reply) => {
      const user = req.user!;
      const { pt, kind } = req.body;
      if (!(await opts.directory.isMember(pt, user.id)))
        throw refuse('not_in_care_team', `you are not in the care team of ${pt}`);
      const paths = patientPaths(opts.cseRn, pt);
      const container = kind === 'alerts' ? paths.alert(user.al) : paths.rl(user.al);
      const rn = `sub-${user.id}`;
      await opts.cse().ensure(container, Ty.SUBSCRIPTION, 'm2m:sub', {
        rn,
        nu: [caregiverAe(user.id)],
        enc: { net: [3] },
        nct: 1,
        // Alerts are immediate: never batched, sent before anything else (TS-0001 notificationEventCat).
        ...(kind === 'alerts' ? { nec: 2 } : {}),
      });
      await opts.audit.record({
        actor: user.id,
        action: 'subscribe',
        pt,
        outcome: 'ok',
        detail: `${kind} at ${user.al}`,
      });
      return reply.code(201).send({ subscription: `${container}/${rn}`, container });
    },
  );
}
