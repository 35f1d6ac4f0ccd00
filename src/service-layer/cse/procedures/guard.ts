import { m2mError, Rsc } from '../../../core/errors.js';
import { resourceStore, type CseDb } from '../store/resource-store.js';
import { Ty, type Op, type Resource } from '../model/types.js';
import type { CseContext } from './context.js';
import type { M2MRequest } from './request.js';

/**
 * Throws unless the originator holds `op` on `resource`. An AE-ID that is not
 * registered gets 4106 rather than 4103, so a client can tell it must register.
 */
export async function requirePrivilege(
  ctx: CseContext,
  db: CseDb,
  resource: Resource,
  op: Op,
  req: M2MRequest,
): Promise<void> {
  if (
    await ctx.access.allows(db, resource, op, {
      originator: req.fr,
      ip: req.ip,
      now: new Date(ctx.now()),
    })
  )
    return;
  if (/^[CS]/.test(req.fr) && (await resourceStore.byRi(db, req.fr))?.ty !== Ty.AE) {
    throw m2mError.of(
      Rsc.ORIGINATOR_HAS_NOT_REGISTERED,
      'originator_not_registered',
      `originator ${req.fr} is not registered with this CSE`,
    );
  }
  throw m2mError.noPrivilege(
    `originator ${req.fr} has no privilege for this operation on ${resource.path}`,
  );
}
