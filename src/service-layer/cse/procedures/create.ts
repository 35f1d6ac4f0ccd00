import { m2mError, Rsc } from '../../../core/errors.js';
import { randomId, sortableId } from '../../../core/ids.js';
import { validateContext } from '../access/context.js';
import { validateAttributes } from '../model/attributes.js';
import { parseM2MTime, toM2MTime } from '../model/time.js';
import {
  CHILD_TYPES,
  HAS_ACPI,
  isTy,
  Op,
  RESERVED_NAMES,
  RI_PREFIX,
  Ty,
  TYPE_NAMES,
  type Resource,
} from '../model/types.js';
import { resourceStore, type CseDb, type NewResource } from '../store/resource-store.js';
import { Net } from '../notify/events.js';
import { enforceContainerLimits, inTransaction } from './changes.js';
import type { CseContext } from './context.js';
import { Rcn, type M2MRequest, type M2MResponse } from './request.js';
import { attributesOf, wrap } from './representation.js';
import { resolveTarget } from './resolve.js';
import { requirePrivilege } from './guard.js';

/** Default expirationTime when a request gives none. */
const DEFAULT_LIFETIME_MS = 10 * 365 * 24 * 3600_000;

/** The primitive content of a create or update: exactly one key, the type's short name. */
export function contentFor(ty: Ty, pc: unknown): Record<string, unknown> {
  const name = TYPE_NAMES[ty];
  if (pc === null || typeof pc !== 'object' || Array.isArray(pc)) {
    throw m2mError.badRequest(`request content must be a JSON object {"${name}": {...}}`);
  }
  const keys = Object.keys(pc);
  if (keys.length !== 1 || keys[0] !== name) {
    throw m2mError.badRequest(
      `request content must have exactly one member "${name}", found ${keys.map((k) => `"${k}"`).join(', ') || 'none'}`,
    );
  }
  const attrs = (pc as Record<string, unknown>)[name];
  if (attrs === null || typeof attrs !== 'object' || Array.isArray(attrs)) {
    throw m2mError.badRequest(`"${name}" must be a JSON object of attributes`);
  }
  return attrs as Record<string, unknown>;
}

/** CREATE (TS-0001 §10.1.2, TS-0004 §7.3.2). */
export async function create(ctx: CseContext, req: M2MRequest): Promise<M2MResponse> {
  if (req.ty === undefined)
    throw m2mError.badRequest(
      'CREATE needs the resource type: Content-Type "application/json;ty=<type>"',
    );
  if (!isTy(req.ty) || req.ty === Ty.CSEBASE)
    throw m2mError.badRequest(`resource type ${req.ty} cannot be created on this CSE`);
  const ty = req.ty;
  const rcn = req.rcn ?? Rcn.ATTRIBUTES;
  if (
    ![
      Rcn.NOTHING,
      Rcn.ATTRIBUTES,
      Rcn.HIERARCHICAL_ADDRESS,
      Rcn.HIERARCHICAL_ADDRESS_ATTRIBUTES,
    ].includes(rcn as 0)
  ) {
    throw m2mError.badRequest(`rcn=${rcn} is not valid for CREATE (0, 1, 2 or 3)`);
  }
  const attrs = contentFor(ty, req.pc);
  validateAttributes(ty, 'create', attrs);

  const { resource: parent, virtual } = await resolveTarget(ctx, req.to);
  if (virtual) throw m2mError.notAllowed(`cannot create under the virtual resource "${virtual}"`);
  if (!CHILD_TYPES[parent.ty].includes(ty)) {
    throw m2mError.of(
      Rsc.INVALID_CHILD_RESOURCE_TYPE,
      'invalid_child_type',
      `${TYPE_NAMES[parent.ty]} cannot hold a ${TYPE_NAMES[ty]}`,
    );
  }
  const now = ctx.now();
  const originator = ty === Ty.AE ? await registrationId(ctx, req) : req.fr;
  if (ty !== Ty.AE) await requirePrivilege(ctx, ctx.db, parent, Op.CREATE, req);
  if (
    ty === Ty.SUB &&
    !(await ctx.access.allows(ctx.db, parent, Op.RETRIEVE, {
      originator: req.fr,
      ip: req.ip,
      now: new Date(now),
    }))
  ) {
    throw m2mError.of(
      Rsc.SUBSCRIPTION_CREATOR_HAS_NO_PRIVILEGE,
      'subscription_no_privilege',
      `originator ${req.fr} may not retrieve ${parent.path}, so it may not subscribe to it`,
    );
  }

  const ri = ty === Ty.AE ? originator : RI_PREFIX[ty] + sortableId();
  const rn = (attrs.rn as string | undefined) ?? ri;
  if (RESERVED_NAMES.has(rn)) throw m2mError.badRequest(`resource name "${rn}" is reserved`);
  const et = (attrs.et as string | undefined) ?? toM2MTime(now + DEFAULT_LIFETIME_MS);
  requireFuture(et, now);
  if (HAS_ACPI.has(ty)) await checkAcpi(ctx, attrs.acpi as string[] | undefined);
  if (ty === Ty.ACP) checkAcco(attrs);

  const { rn: _rn, et: _et, lbl, acpi, ...rest } = attrs;
  const own: Record<string, unknown> = { ...rest };
  if (own.cr === null) own.cr = req.fr;
  if (ty === Ty.AE) own.aei = ri;
  if (ty === Ty.SUB) own.nct ??= 1;
  let cs = 0;
  if (ty === Ty.CIN) {
    cs =
      typeof own.con === 'string'
        ? Buffer.byteLength(own.con)
        : Buffer.byteLength(JSON.stringify(own.con));
    own.cs = cs;
    const mbs = parent.attrs.mbs as number | undefined;
    if (mbs !== undefined && cs > mbs)
      throw m2mError.notAcceptable(`content size ${cs} exceeds the container's maxByteSize ${mbs}`);
  }
  const ct = toM2MTime(now);
  const draft: NewResource = {
    ri,
    ty,
    rn,
    pi: parent.ri,
    path: `${parent.path}/${rn}`,
    creator: originator,
    ct,
    lt: ct,
    et,
    lbl: (lbl as string[] | undefined) ?? [],
    acpi: (acpi as string[] | undefined) ?? [],
    st: 0,
    attrs: own,
  };
  if (ty === Ty.SUB) await ctx.notifier.verify(draft, own.nu as string[], req.fr);

  const created = await inTransaction(ctx, async (tx, changes) => {
    // An instance carries the container's stateTag after its own arrival.
    const counts =
      ty === Ty.CIN ? await resourceStore.bumpContainer(tx, parent.ri, 1, cs, ct) : undefined;
    if (counts) draft.st = counts.st;
    const r = await insertUnique(tx, draft, parent, attrs.rn !== undefined);
    if (counts) await enforceContainerLimits(tx, changes, parent, counts.cni, counts.cbs);
    // A new subscription is not announced to the other subscribers: it would
    // tell them who else watches this patient. It is counted on its parent.
    if (ty === Ty.SUB) await resourceStore.countSubscription(tx, parent.ri, 1);
    else await changes.event(tx, parent.ri, { net: Net.CREATE_CHILD, resource: r }, counts?.nsub);
    return r;
  });

  const location = `/${created.path}`;
  const address = req.drt === 2 ? created.ri : created.path;
  switch (rcn) {
    case Rcn.NOTHING:
      return { rsc: Rsc.CREATED, location };
    case Rcn.HIERARCHICAL_ADDRESS:
      return { rsc: Rsc.CREATED, location, pc: { 'm2m:uri': address } };
    case Rcn.HIERARCHICAL_ADDRESS_ATTRIBUTES:
      return {
        rsc: Rsc.CREATED,
        location,
        pc: { 'm2m:rce': { [TYPE_NAMES[ty]]: attributesOf(created), uri: address } },
      };
    default:
      return { rsc: Rsc.CREATED, location, pc: wrap(created) };
  }
}

/**
 * Inserts a new resource. A name the client chose is checked first, for a
 * clear message; generated names are random. Either way the unique indexes
 * on path and ri decide a race between concurrent creates.
 */
async function insertUnique(
  tx: CseDb,
  draft: NewResource,
  parent: Resource,
  named: boolean,
): Promise<Resource> {
  const clash = () =>
    m2mError.conflict(`a resource named "${draft.rn}" already exists under ${parent.path}`);
  if (named && (await resourceStore.byPath(tx, draft.path))) throw clash();
  try {
    return await resourceStore.insert(tx, draft);
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
    if (draft.ty === Ty.AE && (await resourceStore.byRi(tx, draft.ri))) {
      throw m2mError.of(
        Rsc.ORIGINATOR_HAS_ALREADY_REGISTERED,
        'already_registered',
        `originator ${draft.ri} is already registered`,
      );
    }
    throw clash();
  }
}

/** SQLite's and PostgreSQL's unique-constraint errors. */
function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === '23505';
}

/**
 * The AE-ID a registration gets (TS-0001 §10.2.2.2): "C" or "S" alone asks
 * the CSE to assign one; "C…"/"S…" asks for that id. Only originators
 * matching the configured registration patterns may register.
 */
async function registrationId(ctx: CseContext, req: M2MRequest): Promise<string> {
  const fr = req.fr || 'C';
  const allowed =
    ctx.access.isAdmin(fr) ||
    ctx.registrationAllowed.some((p) =>
      p.endsWith('*') ? fr.startsWith(p.slice(0, -1)) : fr === p,
    );
  if (!allowed) throw m2mError.noPrivilege(`originator "${fr}" may not register an AE on this CSE`);
  if (fr === 'C' || fr === 'S') return fr + randomId(15);
  if (!/^[CS][A-Za-z0-9._-]{1,63}$/.test(fr))
    throw m2mError.badRequest(
      `"${fr}" is not a valid AE-ID (C or S followed by letters, digits, . _ -)`,
    );
  if (await resourceStore.byRi(ctx.db, fr)) {
    throw m2mError.of(
      Rsc.ORIGINATOR_HAS_ALREADY_REGISTERED,
      'already_registered',
      `originator ${fr} is already registered`,
    );
  }
  return fr;
}

/** An expirationTime a request sets must lie ahead. */
export function requireFuture(et: string, now: number): void {
  if (parseM2MTime(et)! <= now) throw m2mError.badRequest(`expirationTime ${et} is in the past`);
}

/** Every acpi entry must name an existing accessControlPolicy. */
export async function checkAcpi(ctx: CseContext, acpi: string[] | null | undefined): Promise<void> {
  if (!acpi || acpi.length === 0) return;
  const found = await resourceStore.byRis(ctx.db, acpi);
  for (const id of acpi) {
    if (!found.some((r) => r.ri === id && r.ty === Ty.ACP))
      throw m2mError.badRequest(`acpi "${id}" is not an accessControlPolicy on this CSE`);
  }
}

/** accessControlContexts of every rule in pv and pvs must be valid. */
export function checkAcco(attrs: Record<string, unknown>): void {
  for (const key of ['pv', 'pvs']) {
    const rules = (attrs[key] as { acr: Array<{ acco?: unknown }> } | undefined | null)?.acr ?? [];
    rules.forEach((rule, i) => {
      if (rule.acco === undefined) return;
      const problem = validateContext(rule.acco);
      if (problem) throw m2mError.badRequest(`${key}.acr[${i}]: ${problem}`);
    });
  }
}
