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
const PAGE = 500;

export async function discover(ctx: CseContext, req: M2MRequest): Promise<M2MResponse> {
  const { resource: root } = await resolveTarget(ctx, req.to);
  await requirePrivilege(ctx, ctx.db, root, Op.DISCOVERY, req);
  const fc = req.fc;
  const lim = Math.min(fc.lim ?? ctx.discoveryLimit, ctx.discoveryLimit);
  let skip = fc.ofst ?? 0;
  const who = { originator: req.fr, ip: req.ip, now: new Date(ctx.now()) };
  const found: string[] = [];
  const filter = {
    maxDepth: fc.lvl ?? 64,
    ty: fc.ty,
    lbl: fc.lbl,
    cra: fc.cra,
    crb: fc.crb,
    limit: PAGE,
  };
  // Candidates come from SQL a page at a time; access is decided per resource.
  for (let afterSeq = 0; found.length < lim;) {
    const page = await resourceStore.subtree(ctx.db, root.ri, { ...filter, afterSeq });
    for (const r of page) {
      if (found.length >= lim) break;
      if (!(await ctx.access.allows(ctx.db, r, Op.DISCOVERY, who))) continue;
      if (skip > 0) skip--;
      else found.push(req.drt === 2 ? r.ri : r.path);
    }
    if (page.length < PAGE) break;
    afterSeq = page[page.length - 1]!.seq;
  }
  return { rsc: Rsc.OK, pc: { 'm2m:uril': found } };
}
