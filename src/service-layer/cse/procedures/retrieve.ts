import { m2mError, Rsc } from '../../../core/errors.js';
import { Op, Ty, TYPE_NAMES, type Resource } from '../model/types.js';
import { resourceStore } from '../store/resource-store.js';
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
  switch (rcn) {
    case Rcn.ATTRIBUTES:
      return { rsc: Rsc.OK, pc: wrap(resource) };
    case Rcn.ATTRIBUTES_CHILD_RESOURCES: {
      const children = await readableChildren(ctx, resource, req);
      return {
        rsc: Rsc.OK,
        pc: {
          [TYPE_NAMES[resource.ty]]: { ...attributesOf(resource), ...groupChildren(children) },
        },
      };
    }
    case Rcn.ATTRIBUTES_CHILD_REFERENCES: {
      const children = await readableChildren(ctx, resource, req);
      return {
        rsc: Rsc.OK,
        pc: {
          [TYPE_NAMES[resource.ty]]: { ...attributesOf(resource), ch: children.map(childRef) },
        },
      };
    }
    case Rcn.CHILD_REFERENCES: {
      const children = await readableChildren(ctx, resource, req);
      return { rsc: Rsc.OK, pc: { 'm2m:rrl': { rrf: children.map(childRef) } } };
    }
    case Rcn.CHILD_RESOURCES: {
      const children = await readableChildren(ctx, resource, req);
      return { rsc: Rsc.OK, pc: { [TYPE_NAMES[resource.ty]]: groupChildren(children) } };
    }
    default:
      throw m2mError.badRequest(`rcn=${rcn} is not valid for RETRIEVE (1, 4, 5, 6 or 8)`);
  }
}

/** Direct children the originator may retrieve, filtered by the request's ty/lbl/lim. */
async function readableChildren(
  ctx: CseContext,
  parent: Resource,
  req: M2MRequest,
): Promise<Resource[]> {
  const out: Resource[] = [];
  const lim = Math.min(req.fc.lim ?? ctx.discoveryLimit, ctx.discoveryLimit);
  for (const c of await resourceStore.children(ctx.db, parent.ri)) {
    if (out.length >= lim) break;
    if (req.fc.ty && !req.fc.ty.includes(c.ty)) continue;
    if (req.fc.lbl && !c.lbl.some((l) => req.fc.lbl!.includes(l))) continue;
    if (
      await ctx.access.allows(ctx.db, c, Op.RETRIEVE, {
        originator: req.fr,
        ip: req.ip,
        now: new Date(ctx.now()),
      })
    )
      out.push(c);
  }
  return out;
}
