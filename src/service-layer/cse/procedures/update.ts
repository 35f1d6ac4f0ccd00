import { m2mError, Rsc } from '../../../core/errors.js';
import { validateAttributes } from '../model/attributes.js';
import { toM2MTime } from '../model/time.js';
import type { Privileges } from '../access/acp.js';
import { withdrawnOriginators } from '../access/withdrawn.js';
import { Op, Ty, TYPE_NAMES, type Resource } from '../model/types.js';
import { resourceStore } from '../store/resource-store.js';
import { Net } from '../notify/events.js';
import { enforceContainerLimits, inTransaction } from './changes.js';
import type { CseContext } from './context.js';
import { checkAcco, checkAcpi, contentFor, requireFuture } from './create.js';
import { requirePrivilege } from './guard.js';
import { Rcn, type M2MRequest, type M2MResponse } from './request.js';
import { wrap } from './representation.js';
import { resolveTarget } from './resolve.js';

/** UPDATE (TS-0001 §10.1.4): a null value removes an optional attribute. */
export async function update(ctx: CseContext, req: M2MRequest): Promise<M2MResponse> {
  const { resource, virtual } = await resolveTarget(ctx, req.to);
  if (virtual) throw m2mError.notAllowed(`the virtual resource "${virtual}" cannot be updated`);
  if (resource.ty === Ty.CSEBASE) throw m2mError.notAllowed('the CSEBase cannot be updated');
  if (resource.ty === Ty.CIN)
    throw m2mError.notAllowed('a contentInstance cannot be updated (TS-0001 §9.6.7)');
  const rcn = req.rcn ?? Rcn.ATTRIBUTES;
  if (![Rcn.NOTHING, Rcn.ATTRIBUTES, Rcn.MODIFIED_ATTRIBUTES].includes(rcn as 0)) {
    throw m2mError.badRequest(`rcn=${rcn} is not valid for UPDATE (0, 1 or 9)`);
  }
  if (req.ty !== undefined && req.ty !== resource.ty)
    throw m2mError.badRequest(`ty=${req.ty} does not match the target's type ${resource.ty}`);
  const requested = contentFor(resource.ty, req.pc);
  validateAttributes(resource.ty, 'update', requested);
  if (Object.keys(requested).length === 0)
    throw m2mError.badRequest(
      `an UPDATE of ${TYPE_NAMES[resource.ty]} needs at least one attribute`,
    );
  await requirePrivilege(ctx, ctx.db, resource, Op.UPDATE, req);

  const now = ctx.now();
  if ('acpi' in requested) await checkAcpi(ctx, requested.acpi as string[] | null);
  if (resource.ty === Ty.ACP) checkAcco(requested);
  if (typeof requested.et === 'string') requireFuture(requested.et, now);
  const next = applyChanges(resource, requested);
  next.lt = toM2MTime(now);
  if (resource.ty === Ty.SUB && Array.isArray(requested.nu)) {
    const added = (requested.nu as string[]).filter(
      (u) => !((resource.attrs.nu as string[]) ?? []).includes(u),
    );
    await ctx.notifier.verify(next, added, req.fr);
  }

  const modified = { ...requested, lt: next.lt };
  await inTransaction(ctx, async (tx, changes) => {
    await resourceStore.save(tx, next, 'lbl' in requested);
    if (resource.ty === Ty.CNT) {
      // The counters as they are now, inside the transaction, not as read before it.
      const counts = await resourceStore.bumpContainer(tx, next.ri, 0, 0, next.lt, 1);
      Object.assign(next, { st: counts.st, cni: counts.cni, cbs: counts.cbs });
      await enforceContainerLimits(tx, changes, next, counts.cni, counts.cbs);
    }
    await changes.event(tx, next.ri, { net: Net.UPDATE, resource: next, modified });
  });
  // A policy that no longer admits an AE ends its open notification channel (docs/episodes.md).
  if (resource.ty === Ty.ACP)
    ctx.notifier.cutChannels(
      withdrawnOriginators(resource.attrs.pv as Privileges, next.attrs.pv as Privileges),
    );
  if (rcn === Rcn.NOTHING) return { rsc: Rsc.UPDATED };
  if (rcn === Rcn.MODIFIED_ATTRIBUTES)
    return { rsc: Rsc.UPDATED, pc: { [TYPE_NAMES[resource.ty]]: modified } };
  return { rsc: Rsc.UPDATED, pc: wrap(next) };
}

function applyChanges(r: Resource, requested: Record<string, unknown>): Resource {
  const next: Resource = { ...r, attrs: { ...r.attrs } };
  for (const [k, v] of Object.entries(requested)) {
    if (k === 'lbl') next.lbl = (v as string[] | null) ?? [];
    else if (k === 'acpi') next.acpi = (v as string[] | null) ?? [];
    else if (k === 'et') next.et = (v as string | null) ?? r.et;
    else if (v === null) delete next.attrs[k];
    else next.attrs[k] = v;
  }
  return next;
}
