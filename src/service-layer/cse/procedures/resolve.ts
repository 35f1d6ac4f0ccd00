import { m2mError } from '../../../core/errors.js';
import { resourceStore } from '../store/resource-store.js';
import { Ty, type Resource } from '../model/types.js';
import type { CseContext } from './context.js';
import { toM2MTime } from '../model/time.js';

export interface Target {
  resource: Resource;
  /** Set when the address names a container's latest (la) or oldest (ol) instance. */
  virtual?: 'la' | 'ol';
}

/**
 * Resolves a request's `to` (TS-0001 §9.3.1): structured ("cse-in/a/b") or
 * unstructured ("cnt123") CSE-relative, SP-relative ("~/id-in/…") or
 * absolute ("_/sp/id-in/…"). Expired resources are not found even before the
 * sweeper has removed them.
 */
export async function resolveTarget(ctx: CseContext, to: string): Promise<Target> {
  const segments = toCseRelative(ctx, to)
    .split('/')
    .filter((s) => s.length > 0);
  if (segments.length === 0) throw m2mError.notFound('empty target address');
  let virtual: 'la' | 'ol' | undefined;
  const last = segments[segments.length - 1];
  if (segments.length > 1 && (last === 'la' || last === 'ol')) {
    virtual = last;
    segments.pop();
  }
  let resource: Resource | undefined;
  if (segments[0] === ctx.rn || segments[0] === '-') {
    segments[0] = ctx.rn;
    resource = await resourceStore.byPath(ctx.db, segments.join('/'));
  } else {
    resource = await resourceStore.byRi(ctx.db, segments[0]!);
    if (resource && segments.length > 1) {
      resource = await resourceStore.byPath(
        ctx.db,
        [resource.path, ...segments.slice(1)].join('/'),
      );
    }
  }
  if (!resource || (resource.et !== null && resource.et <= toM2MTime(ctx.now()))) {
    throw m2mError.notFound(`no resource at "${to}"`);
  }
  if (virtual && resource.ty !== Ty.CNT)
    throw m2mError.notFound(`"${virtual}" exists only under a container`);
  return virtual ? { resource, virtual } : { resource };
}

function toCseRelative(ctx: CseContext, to: string): string {
  let t = to.startsWith('/') ? to.slice(1) : to;
  if (t.startsWith('_/')) t = `~/${t.slice(2).replace(/^[^/]+\//, '')}`; // drop the SP-ID
  if (t.startsWith('~/')) {
    const cse = ctx.cseId.slice(1);
    t = t.slice(2);
    if (t !== cse && !t.startsWith(`${cse}/`)) {
      throw m2mError.notFound(
        `target CSE "/${t.split('/')[0]}" is not this CSE (${ctx.cseId}) and requests are not forwarded`,
      );
    }
    t = t === cse ? cse : t.slice(cse.length + 1);
  }
  return t;
}
