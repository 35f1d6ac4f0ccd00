import { m2mError, Rsc } from '../../../core/errors.js';
import { Op, Ty, TYPE_NAMES, type Resource } from '../model/types.js';
import { resourceStore } from '../store/resource-store.js';
import { pageAccessible, partial, type Page } from './paging.js';
import type { CseContext } from './context.js';
import { discover } from './discovery.js';
import { requirePrivilege } from './guard.js';
import { Rcn, type M2MRequest, type M2MResponse } from './request.js';
import { attributesOf, childRef, groupChildren, wrap } from './representation.js';
import { resolveTarget } from './resolve.js';

/** The instance a container's virtual la / ol resource stands for. */
export async function latestOrOldest(
  ctx: CseContext,
  container: Resource,
  which: 'la' | 'ol',
): Promise<Resource> {
  const [instance] = await resourceStore.children(
    ctx.db,
    container.ri,
    Ty.CIN,
    which === 'la' ? 'desc' : 'asc',
    1,
  );
  if (!instance) throw m2mError.notFound(`container ${container.path} has no instances`);
  return instance;
}

/** RETRIEVE (TS-0001 §10.1.3), and DISCOVERY when fu=1 (§10.2.6). */
export async function retrieve(ctx: CseContext, req: M2MRequest): Promise<M2MResponse> {
  if (req.fc.fu === 1) return discover(ctx, req);
  const target = await resolveTarget(ctx, req.to);
  const resource = target.virtual
    ? await latestOrOldest(ctx, target.resource, target.virtual)
    : target.resource;
  await requirePrivilege(ctx, ctx.db, resource, Op.RETRIEVE, req);
  const rcn = req.rcn ?? Rcn.ATTRIBUTES;
  if (rcn === Rcn.ATTRIBUTES) return { rsc: Rsc.OK, pc: wrap(resource) };
  if (!CHILD_RCNS.has(rcn))
    throw m2mError.badRequest(`rcn=${rcn} is not valid for RETRIEVE (1, 4, 5, 6 or 8)`);
  const page = await readableChildren(ctx, resource, req);
  const name = TYPE_NAMES[resource.ty];
  const children = page.found;
  const pc =
    rcn === Rcn.ATTRIBUTES_CHILD_RESOURCES
      ? { [name]: { ...attributesOf(resource), ...groupChildren(children) } }
      : rcn === Rcn.ATTRIBUTES_CHILD_REFERENCES
        ? { [name]: { ...attributesOf(resource), ch: children.map(childRef) } }
        : rcn === Rcn.CHILD_REFERENCES
          ? { 'm2m:rrl': { rrf: children.map(childRef) } }
          : { [name]: groupChildren(children) };
  return { rsc: Rsc.OK, pc, ...partial(page, req.fc.ofst ?? 0) };
}

const CHILD_RCNS = new Set<number>([
  Rcn.ATTRIBUTES_CHILD_RESOURCES,
  Rcn.ATTRIBUTES_CHILD_REFERENCES,
  Rcn.CHILD_REFERENCES,
  Rcn.CHILD_RESOURCES,
]);

/** Direct children the originator may retrieve, filtered by the request's ty/lbl/cra/crb, paged by lim/ofst. */
async function readableChildren(ctx: CseContext, parent: Resource, req: M2MRequest): Promise<Page> {
  const { ty, lbl, cra, crb } = req.fc;
  const lim = Math.min(req.fc.lim ?? ctx.discoveryLimit, ctx.discoveryLimit);
  const who = { originator: req.fr, ip: req.ip, now: new Date(ctx.now()) };
  return pageAccessible(
    ctx,
    parent.ri,
    { maxDepth: 1, ty, lbl, cra, crb },
    Op.RETRIEVE,
    who,
    lim,
    req.fc.ofst ?? 0,
  );
}
