import type { CedarValueJson, Context, EntityJson, EntityUidJson } from './cedar.js';
import { rank, type Confidentiality } from '../../protocol/levels.js';
import type { PolicyContext, PolicyParticipant, PolicyRequest, PolicyResource } from './model.js';

/** The Cedar request of one decision: entities and context built from the plain input. */
export interface CedarRequest {
  principal: EntityUidJson;
  action: EntityUidJson;
  resource: EntityUidJson;
  context: Context;
  entities: EntityJson[];
}

/** The namespace of policies/<version>/schema.cedarschema. */
const NS = 'Tutela';

const uid = (type: string, id: string) => ({ type: `${NS}::${type}`, id });
const ref = (type: string, id: string) => ({ __entity: uid(type, id) });

/** A level as the policies compare it: its rank on U < L < M < N < R < V; -1 for none. */
export function levelRank(c: Confidentiality | null | undefined): number {
  return c ? rank(c) : -1;
}

function participant(p: PolicyParticipant) {
  return {
    role: ref('Role', p.role),
    al: levelRank(p.al),
    history: p.history,
    joinedEpoch: p.joinedEpoch,
  };
}

/**
 * The context record of each action, as its schema declares it. Only the
 * attributes that action's context has are passed: Cedar validates the request
 * against the schema, and an attribute the action needs but the caller did not
 * give (a purpose of use, a key epoch, a target) makes the request fail, which
 * the engine turns into a denial.
 */
function contextFor(action: PolicyRequest['action'], c: PolicyContext): Context {
  const out: Context = {};
  if (action !== 'exportResearch' && action !== 'readAudit' && c.participant) {
    out.participant = participant(c.participant);
  }
  const purpose = () => {
    if (c.purposeOfUse) out.purposeOfUse = ref('Purpose', c.purposeOfUse);
  };
  switch (action) {
    case 'readVersion':
    case 'releaseKey':
    case 'readAlerts':
      purpose();
      out.openHighAlert = c.openHighAlert ?? false;
      out.breakGlass = { active: c.breakGlass?.active ?? false };
      if (c.epoch !== undefined) out.epoch = c.epoch;
      break;
    case 'changeInterval':
    case 'spotCheck':
    case 'changeDose':
    case 'confirmDose':
    case 'readSettings':
    case 'changeSettings':
    case 'exportResearch':
      purpose();
      break;
    case 'invite':
    case 'remove':
      if (c.target) {
        const target: Record<string, CedarValueJson> = {
          user: ref('User', c.target.user),
          role: ref('Role', c.target.role),
        };
        if (action === 'invite' && c.target.al) target.al = levelRank(c.target.al);
        out.target = target;
      }
      break;
    case 'breakGlass':
      purpose();
      // Blanks are no reason: the policy refuses an empty one.
      if (c.reason !== undefined) out.reason = c.reason.trim();
      break;
    case 'viewEpisode':
    case 'handleAlert':
    case 'readAudit':
      break;
  }
  return out;
}

function resourceEntity(r: PolicyResource): EntityJson {
  const patient = (pt: string) => ref('Patient', pt);
  switch (r.kind) {
    case 'version':
      return {
        uid: uid('Version', `${r.pt}/${r.rl}`),
        attrs: { patient: patient(r.pt), rl: levelRank(r.rl) },
        parents: [],
      };
    case 'alerts':
      return { uid: uid('Alerts', r.pt), attrs: { patient: patient(r.pt) }, parents: [] };
    case 'episode':
      return { uid: uid('Episode', r.pt), attrs: { patient: patient(r.pt) }, parents: [] };
    case 'device':
      return {
        uid: uid('Device', r.dev ?? r.pt),
        attrs: { patient: patient(r.pt) },
        parents: [],
      };
    case 'doseOrder':
      return {
        uid: uid('DoseOrder', r.id ?? r.pt),
        attrs: { patient: patient(r.pt), proposedBy: ref('User', r.proposedBy) },
        parents: [],
      };
    case 'researchExport':
      return { uid: uid('ResearchExport', r.rl), attrs: { rl: levelRank(r.rl) }, parents: [] };
    case 'auditLog':
      return { uid: uid('AuditLog', 'audit'), attrs: {}, parents: [] };
  }
}

/** Builds the Cedar request of a validated plain request. */
export function toCedarRequest(req: PolicyRequest): CedarRequest {
  const p = req.principal;
  const principal: EntityJson = {
    uid: uid('User', p.id),
    attrs: { role: ref('Role', p.role), al: levelRank(p.al), mfa: p.mfa },
    parents: [],
  };
  const resource = resourceEntity(req.resource);
  const entities = [principal, resource];
  if ('pt' in req.resource)
    entities.push({ uid: uid('Patient', req.resource.pt), parents: [], attrs: {} });
  return {
    principal: principal.uid,
    action: uid('Action', req.action),
    resource: resource.uid,
    context: contextFor(req.action, req.context ?? {}),
    entities,
  };
}
