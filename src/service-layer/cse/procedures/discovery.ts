import { Rsc } from '../../../core/errors.js';
import { Op } from '../model/types.js';
import { resourceStore } from '../store/resource-store.js';
import type { CseContext } from './context.js';
import { requirePrivilege } from './guard.js';
import type { M2MRequest, M2MResponse } from './request.js';
import { resolveTarget } from './resolve.js';

/**
 * DISCOVERY (TS-0001 §10.2.6; fu=1): the addresses of resources below the
 * target that match every given criterion (ty, lbl: any of the values;
 * cra/crb: creation time; lvl: depth) and that the originator may discover.
 * lim and ofst page through the result. Tutela tags RL and CL as labels, so
 * "lbl=rl:N" finds a patient's versions at RL N.
 */
export async function discover(ctx: CseContext, req: M2MRequest): Promise<M2MResponse> {
  const { resource: root } = await resolveTarget(ctx, req.to);
  await requirePrivilege(ctx, ctx.db, root, Op.DISCOVERY, req);
  const fc = req.fc;
  const lim = Math.min(fc.lim ?? ctx.discoveryLimit, ctx.discoveryLimit);
  let skip = fc.ofst ?? 0;
  const who = { originator: req.fr, ip: req.ip, now: new Date(ctx.now()) };
  const found: string[] = [];
  for (const r of await resourceStore.descendants(ctx.db, root.ri, fc.lvl ?? 64)) {
    if (found.length >= lim) break;
    if (fc.ty && !fc.ty.includes(r.ty)) continue;
    if (fc.lbl && !r.lbl.some((l) => fc.lbl!.includes(l))) continue;
    if (fc.cra && !(r.ct > fc.cra)) continue;
    if (fc.crb && !(r.ct < fc.crb)) continue;
    if (!(await ctx.access.allows(ctx.db, r, Op.DISCOVERY, who))) continue;
    if (skip > 0) {
      skip--;
      continue;
    }
    found.push(req.drt === 2 ? r.ri : r.path);
  }
  return { rsc: Rsc.OK, pc: { 'm2m:uril': found } };
}
