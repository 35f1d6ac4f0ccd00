import { Rsc } from '../../../core/errors.js';
import { Op } from '../model/types.js';
import { pageAccessible, partial } from './paging.js';
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
  const ofst = fc.ofst ?? 0;
  const who = { originator: req.fr, ip: req.ip, now: new Date(ctx.now()) };
  const filter = { maxDepth: fc.lvl ?? 64, ty: fc.ty, lbl: fc.lbl, cra: fc.cra, crb: fc.crb };
  const page = await pageAccessible(ctx, root.ri, filter, Op.DISCOVERY, who, lim, ofst);
  const uril = page.found.map((r) => (req.drt === 2 ? r.ri : r.path));
  return { rsc: Rsc.OK, pc: { 'm2m:uril': uril }, ...partial(page, ofst) };
}
