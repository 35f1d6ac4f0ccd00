import { Rsc } from '../../core/errors.js';
import { M2MClient, Ty } from '../../core/m2m/index.js';
import { CONFIDENTIALITY, visibleAt, type Confidentiality } from '../../protocol/levels.js';

/** The application server's AE in the CSE. */
export const APP_AE = { origin: 'Ctutela-app', rn: 'tutela' } as const;

/** The AE-ID a caregiver's client registers with. */
export const caregiverAe = (userId: string) => `C${userId}`;
/** The AE-ID a patient's gateway writes with. */
export const gatewayAe = (dev: string) => `C${dev}`;

/** oneM2M access operations (TS-0001 §9.6.2.3): the sum is the `acop` bitmask. */
const OP = { create: 1, retrieve: 2, update: 4, delete: 8, notify: 16, discover: 32 } as const;
const ALL = 63;

/**
 * Where a patient's data lives in the CSE, under the application server's AE:
 *
 *     /<cse>/tutela/<pt>/inbox       sealed readings from the gateway
 *     /<cse>/tutela/<pt>/rl-<k>      version k of every tick (k = U … V)
 *     /<cse>/tutela/<pt>/alert-<k>   version k of ticks whose CL is medium or high
 *     /<cse>/tutela/<pt>/commands    sealed remote commands to the gateways (commands/)
 *     /<cse>/tutela/<pt>/acks        the gateways' sealed answers to them
 *
 * Each version is labelled `rl:<k>` and `cl:<criticality>`. The alert
 * containers let people who should only hear about deterioration (an
 * emergency responder, a family member) subscribe to just that, with
 * immediate notifications.
 */
export function patientPaths(cseRn: string, pt: string) {
  const root = `/${cseRn}/${APP_AE.rn}/${pt}`;
  return {
    root,
    inbox: `${root}/inbox`,
    rl: (k: Confidentiality) => `${root}/rl-${k}`,
    alert: (k: Confidentiality) => `${root}/alert-${k}`,
    commands: `${root}/commands`,
    acks: `${root}/acks`,
  };
}

/** A participant of the patient's episode whose AE the per-RL ACPs admit up to their AL. */
export interface Reader {
  id: string;
  /** null: reads no clinical version (admin, dpo), so no ACP admits them. */
  al: Confidentiality | null;
}

/** How many instances each container keeps (oldest go first): a bounded, sealed history. */
const KEEP = { inbox: 10_000, versions: 5_000, commands: 1_000 } as const;

/**
 * Creates (idempotently) a patient's containers and the application
 * server's subscription to the inbox, and brings their access control
 * policies up to the episode's current participants (`readers`). The inbox
 * admits creates from the patient's active gateways only; containers rl-k
 * and alert-k admit retrieve/discover/notify for participants whose AL
 * reaches k, and nothing for anyone else (deny by default). Returns the
 * inbox's resource id.
 */
export async function provisionPatient(
  app: M2MClient,
  cseRn: string,
  pt: string,
  gatewayDevs: readonly string[],
  readers: Reader[],
): Promise<string> {
  const paths = patientPaths(cseRn, pt);
  const aePath = `/${cseRn}/${APP_AE.rn}`;
  await app.ensure(aePath, Ty.CONTAINER, 'm2m:cnt', { rn: pt });

  const inboxAcp = await setInboxWriters(app, cseRn, pt, gatewayDevs);
  const inboxRi = await app.ensure(paths.root, Ty.CONTAINER, 'm2m:cnt', {
    rn: 'inbox',
    mni: KEEP.inbox,
    acpi: [inboxAcp],
  });
  await app.ensure(paths.inbox, Ty.SUBSCRIPTION, 'm2m:sub', {
    rn: 'app',
    nu: [APP_AE.origin],
    enc: { net: [3] },
    nct: 1,
  });

  const acps = await upsertReaderAcps(app, cseRn, pt, readers);
  for (const k of CONFIDENTIALITY)
    for (const rn of [`rl-${k}`, `alert-${k}`])
      await app.ensure(paths.root, Ty.CONTAINER, 'm2m:cnt', {
        rn,
        mni: KEEP.versions,
        acpi: [acps[k]],
      });
  return inboxRi;
}

/**
 * Brings the six per-RL ACPs of a patient (`acp-<pt>-rl-<k>`, shared by
 * rl-k and alert-k) to exactly these readers, replacing the previous list
 * (TS-0001 §9.6.2: an UPDATE of privileges replaces the whole attribute).
 * An AE left out loses retrieve and notify there at once, and the CSE cuts
 * its open notification channel (service layer, notify/). Returns each
 * ACP's resource id.
 */
export async function upsertReaderAcps(
  app: M2MClient,
  cseRn: string,
  pt: string,
  readers: Reader[],
): Promise<Record<Confidentiality, string>> {
  const aePath = `/${cseRn}/${APP_AE.rn}`;
  const appRule = { acor: [APP_AE.origin], acop: ALL };
  const acps = {} as Record<Confidentiality, string>;
  for (const k of CONFIDENTIALITY) {
    const aes = readers
      .filter((m) => m.al !== null && visibleAt(k, m.al))
      .map((m) => caregiverAe(m.id));
    acps[k] = await app.upsert(aePath, Ty.ACP, 'm2m:acp', {
      rn: `acp-${pt}-rl-${k}`,
      pv: {
        acr: [
          appRule,
          ...(aes.length ? [{ acor: aes, acop: OP.retrieve | OP.notify | OP.discover }] : []),
        ],
      },
      pvs: { acr: [appRule] },
    });
  }
  return acps;
}

/**
 * Deletes a person's subscriptions (`sub-<user>`, made for them by
 * POST /app/subscriptions) on every version and alert container of the
 * patient; one that is not there is fine.
 */
export async function deleteSubscriptions(
  app: M2MClient,
  cseRn: string,
  pt: string,
  userId: string,
): Promise<void> {
  const paths = patientPaths(cseRn, pt);
  const targets = CONFIDENTIALITY.flatMap((k) => [paths.rl(k), paths.alert(k)]).map(
    (c) => `${c}/sub-${userId}`,
  );
  await Promise.all(targets.map((t) => app.expect([Rsc.DELETED, Rsc.NOT_FOUND], 'DELETE', t)));
}

/**
 * Brings the ACP of a patient's inbox up to the given gateways (creates
 * only), e.g. when a gateway is onboarded or revoked; returns the ACP's
 * resource id. The ACP of the patient's `commands` container follows the
 * same gateways (see setGatewayAccess).
 */
export async function setInboxWriters(
  app: M2MClient,
  cseRn: string,
  pt: string,
  gatewayDevs: readonly string[],
): Promise<string> {
  return (await setGatewayAccess(app, cseRn, pt, gatewayDevs)).inbox;
}

/**
 * The ACPs that follow a patient's active gateways: `acp-<pt>-inbox` (they
 * may create: readings, and acks of commands) and `acp-<pt>-commands`
 * (they may retrieve and discover the sealed commands meant for them, issue
 * 5 item 5; only the application server writes). Everyone else: nothing.
 */
export async function setGatewayAccess(
  app: M2MClient,
  cseRn: string,
  pt: string,
  gatewayDevs: readonly string[],
): Promise<{ inbox: string; commands: string }> {
  const appRule = { acor: [APP_AE.origin], acop: ALL };
  const aePath = `/${cseRn}/${APP_AE.rn}`;
  const acp = (rn: string, acop: number) =>
    app.upsert(aePath, Ty.ACP, 'm2m:acp', {
      rn,
      pv: {
        acr: [appRule, ...(gatewayDevs.length ? [{ acor: gatewayDevs.map(gatewayAe), acop }] : [])],
      },
      pvs: { acr: [appRule] },
    });
  return {
    inbox: await acp(`acp-${pt}-inbox`, OP.create),
    commands: await acp(`acp-${pt}-commands`, OP.retrieve | OP.discover),
  };
}

/**
 * Creates (idempotently) the patient's `commands` container (the
 * application server writes, the patient's gateways read) and `acks`
 * container (the gateways write, as to the inbox), with the application
 * server's subscription to the acks. Returns the acks container's resource
 * id, by which its notifications are told from the inbox's.
 */
export async function provisionCommandBoxes(
  app: M2MClient,
  cseRn: string,
  pt: string,
  gatewayDevs: readonly string[],
): Promise<string> {
  const paths = patientPaths(cseRn, pt);
  const acps = await setGatewayAccess(app, cseRn, pt, gatewayDevs);
  await app.ensure(paths.root, Ty.CONTAINER, 'm2m:cnt', {
    rn: 'commands',
    mni: KEEP.commands,
    acpi: [acps.commands],
  });
  const acksRi = await app.ensure(paths.root, Ty.CONTAINER, 'm2m:cnt', {
    rn: 'acks',
    mni: KEEP.commands,
    acpi: [acps.inbox],
  });
  await app.ensure(paths.acks, Ty.SUBSCRIPTION, 'm2m:sub', {
    rn: 'app',
    nu: [APP_AE.origin],
    enc: { net: [3] },
    nct: 1,
  });
  return acksRi;
}
