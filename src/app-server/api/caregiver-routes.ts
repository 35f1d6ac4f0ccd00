import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { Rsc, TutelaError } from '../../core/errors.js';
import { M2MClient, Ty } from '../../core/m2m/index.js';
import { importPublicKey, wrapKey } from '../../crypto/hpke.js';
import { fromBase64url } from '../../crypto/encoding.js';
import { CONFIDENTIALITY } from '../../protocol/levels.js';
import type { WrappedKey } from '../../protocol/envelope.js';
import type { AuditLog } from '../audit/audit.js';
import type { Keyring } from '../keyring/keyring.js';
import type { Directory } from '../directory/directory.js';
import type { Access } from '../access/access.js';
import type { EmergencyAccess } from '../emergency/break-glass.js';
import { PURPOSES } from '../policy/index.js';
import type { CareEpisodes } from '../episodes/episodes.js';
import { caregiverAe, patientPaths } from '../layout/patient-layout.js';
import { caller } from './auth.js';

export interface CaregiverApiOptions {
  directory: Pick<Directory, 'registerDevice' | 'deviceKey'>;
  episodes: Pick<CareEpisodes, 'participation' | 'participationsOf'>;
  access: Access;
  emergency: Pick<EmergencyAccess, 'active' | 'activeFor'>;
  keys: Pick<Keyring, 'dataKeyAt'>;
  audit: AuditLog;
  /** The application server's own client of the CSE (it creates subscriptions for people). */
  cse: () => M2MClient;
  cseRn: string;
  /** Whether a high-CL alert is open for the patient (a responder may then read R: alerts/). */
  alerts?: { hasOpenHigh: (pt: string) => Promise<boolean> };
}

const ID = Type.String({ pattern: '^[A-Za-z0-9._:-]{1,128}$' });
const RL = Type.Union(CONFIDENTIALITY.map((c) => Type.Literal(c)));
const DeviceBody = Type.Object(
  { publicKey: Type.String({ pattern: '^[A-Za-z0-9_-]{43}$' }) },
  { additionalProperties: false },
);
/** HL7 PurposeOfUse; absent: the usual one of the caller's role (access/access.ts). */
const Purpose = Type.Optional(Type.Union(PURPOSES.map((p) => Type.Literal(p))));
const KeyBody = Type.Object(
  { pt: ID, rl: RL, epoch: Type.Integer({ minimum: 1 }), device: ID, purposeOfUse: Purpose },
  { additionalProperties: false },
);
const SubscriptionBody = Type.Object(
  {
    pt: ID,
    kind: Type.Union([Type.Literal('all'), Type.Literal('alerts')]),
    purposeOfUse: Purpose,
  },
  { additionalProperties: false },
);

const refuse = (code: string, msg: string) =>
  new TutelaError(code, Rsc.ORIGINATOR_HAS_NO_PRIVILEGE, msg);

/**
 * The caregiver-facing API of the application server, under /app:
 *
 *     GET  /app/me              who am I, my patients, my role and AL with each, where their data is
 *     POST /app/devices         register a client device public key (X25519)
 *     POST /app/keys            release a data key, HPKE-wrapped to one of my devices
 *     POST /app/subscriptions   subscribe my AE to a patient's version (or alert) container
 *
 * Mounted by api.ts behind the bearer-token hook. What a caller may read is
 * decided by the Cedar policies (access/, policies/): a key is released only
 * after the caller is authenticated, takes part in the patient's care
 * episode, the policies allow that RL and epoch for their AL, history and
 * purpose of use, and the device named is registered to them; every release
 * and refusal is audited with the deciding policies.
 */
export async function caregiverRoutes(
  app: FastifyInstance,
  opts: CaregiverApiOptions,
): Promise<void> {
  app.get('/me', async (req) => {
    const user = caller(req);
    const episodes = await opts.episodes.participationsOf(user.id);
    const grants = await opts.emergency.activeFor(user.id);
    return {
      id: user.id,
      role: user.role,
      al: user.al,
      ae: caregiverAe(user.id),
      // Role and AL per episode; no container for a participant who reads no version.
      patients: [
        ...episodes.map((p) => {
          const paths = patientPaths(opts.cseRn, p.pt);
          const rl = opts.access.readableLevel(user, p.pt, p) ?? null;
          const alerts = opts.access.decide(user, 'readAlerts', { kind: 'alerts', pt: p.pt }, p);
          return {
            pt: p.pt,
            role: p.role,
            al: p.al,
            versions: rl && paths.rl(rl),
            alerts: rl && alerts.allowed ? paths.alert(rl) : null,
          };
        }),
        // Patients opened by breaking the glass, for as long as the grant lasts.
        ...grants
          .filter((g) => !episodes.some((p) => p.pt === g.pt))
          .map((g) => {
            const paths = patientPaths(opts.cseRn, g.pt);
            const rl =
              opts.access.readableLevel(user, g.pt, undefined, { breakGlass: true }) ?? null;
            return {
              pt: g.pt,
              role: user.role,
              al: rl,
              versions: rl && paths.rl(rl),
              alerts: rl && paths.alert(rl),
              emergency: { grant: g.id, until: g.expiresAt },
            };
          }),
      ],
    };
  });

  app.post<{ Body: Static<typeof DeviceBody> }>(
    '/devices',
    { schema: { body: DeviceBody } },
    async (req, reply) => {
      const publicKey = fromBase64url(req.body.publicKey);
      await importPublicKey(publicKey); // refuses what is not an X25519 key
      const device = await opts.directory.registerDevice(caller(req).id, publicKey);
      await opts.audit.record({
        actor: caller(req).id,
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
      const user = caller(req);
      const { pt, rl, epoch, device } = req.body;
      const audit = (outcome: 'ok' | 'refused', detail: string) =>
        opts.audit.record({ actor: user.id, action: 'key.release', pt, outcome, detail });
      const p = await opts.episodes.participation(pt, user.id);
      const grant = p ? undefined : await opts.emergency.active(pt, user.id);
      if (!p && !grant) {
        await audit('refused', 'not in episode');
        throw refuse('not_in_episode', `you take no part in the care episode of ${pt}`);
      }
      const decision = opts.access.decide(user, 'releaseKey', { kind: 'version', pt, rl }, p, {
        epoch,
        purposeOfUse: req.body.purposeOfUse,
        openHighAlert: (await opts.alerts?.hasOpenHigh(pt)) ?? false,
        ...(grant ? { breakGlass: true } : {}),
      });
      if (!decision.allowed) {
        const why = decision.reasons.join(', ') || 'no policy permits it';
        if (decision.reasons.includes('history.before-joining-needs-history')) {
          const joined = p?.joinedEpoch ?? 0;
          await audit('refused', `epoch ${epoch} before joining at ${joined} (${why})`);
          throw refuse(
            'history_not_allowed',
            `epoch ${epoch} is from before you joined the care of ${pt} (epoch ${joined})`,
          );
        }
        await audit('refused', `rl ${rl} epoch ${epoch}: ${why}`);
        throw refuse(
          'level_not_allowed',
          `the policies do not let you read ${rl} of ${pt} (your level there: ${p?.al ?? 'none'})`,
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
        await audit(
          'ok',
          `rl ${rl} epoch ${epoch} to ${device}${grant ? ` under ${grant.id}` : ''}`,
        );
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
      const user = caller(req);
      const { pt, kind } = req.body;
      const p = await opts.episodes.participation(pt, user.id);
      const grant = p ? undefined : await opts.emergency.active(pt, user.id);
      if (!p && !grant)
        throw refuse('not_in_episode', `you take no part in the care episode of ${pt}`);
      const extra = { purposeOfUse: req.body.purposeOfUse, ...(grant ? { breakGlass: true } : {}) };
      const rl = opts.access.readableLevel(user, pt, p, extra);
      if (!rl) throw refuse('level_not_allowed', `the policies let you read no version of ${pt}`);
      if (
        kind === 'alerts' &&
        !opts.access.decide(user, 'readAlerts', { kind: 'alerts', pt }, p, extra).allowed
      )
        throw refuse('not_allowed', `the policies do not let you hear the alerts of ${pt}`);
      const paths = patientPaths(opts.cseRn, pt);
      const container = kind === 'alerts' ? paths.alert(rl) : paths.rl(rl);
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
        detail: `${kind} at ${rl}`,
      });
      return reply.code(201).send({ subscription: `${container}/${rn}`, container });
    },
  );
}
