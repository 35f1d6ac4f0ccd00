import { m2mError, Rsc } from '../../../core/errors.js';
import { Op, Ty } from '../model/types.js';
import { inTransaction } from './changes.js';
import type { CseContext } from './context.js';
import { requirePrivilege } from './guard.js';
import { Rcn, type M2MRequest, type M2MResponse } from './request.js';
import { wrap } from './representation.js';
import { resolveTarget } from './resolve.js';
import { latestOrOldest } from './retrieve.js';

/** DELETE (TS-0001 §10.1.5): the resource and everything below it. */
export async function remove(ctx: CseContext, req: M2MRequest): Promise<M2MResponse> {
  const target = await resolveTarget(ctx, req.to);
  const resource = target.virtual
    ? await latestOrOldest(ctx, target.resource, target.virtual)
    : target.resource;
  if (resource.ty === Ty.CSEBASE) throw m2mError.notAllowed('the CSEBase cannot be deleted');
  const rcn = req.rcn ?? Rcn.NOTHING;
  if (rcn !== Rcn.NOTHING && rcn !== Rcn.ATTRIBUTES)
    throw m2mError.badRequest(`rcn=${rcn} is not valid for DELETE (0 or 1)`);
  await requirePrivilege(ctx, ctx.db, resource, Op.DELETE, req);
  await inTransaction(ctx, (tx, changes) => changes.remove(tx, resource));
  return rcn === Rcn.ATTRIBUTES ? { rsc: Rsc.DELETED, pc: wrap(resource) } : { rsc: Rsc.DELETED };
}
