import { Ty, type Op, type Resource } from '../model/types.js';
import { resourceStore, type SubtreeFilter } from '../store/resource-store.js';
import type { Requester } from '../access/acp.js';
import type { CseContext } from './context.js';

const PAGE = 500;

export interface Page {
  found: Resource[];
  /** More matching resources exist after these (TS-0004 contentStatus PARTIAL_CONTENT). */
  more: boolean;
}

/**
 * The resources below `rootRi` that match `filter` and that the originator
 * holds `op` on, skipping `ofst` and returning at most `lim`. Candidates come
 * from SQL a page at a time; instances share their container's decision.
 */
export async function pageAccessible(
  ctx: CseContext,
  rootRi: string,
  filter: Omit<SubtreeFilter, 'afterSeq' | 'limit'>,
  op: Op,
  who: Requester,
  lim: number,
  ofst: number,
): Promise<Page> {
  const decided = new Map<string, boolean>();
  const allowed = async (r: Resource) => {
    if (r.ty !== Ty.CIN || !r.pi) return ctx.access.allows(ctx.db, r, op, who);
    let ok = decided.get(r.pi);
    if (ok === undefined) decided.set(r.pi, (ok = await ctx.access.allows(ctx.db, r, op, who)));
    return ok;
  };
  const found: Resource[] = [];
  let skip = ofst;
  for (let afterSeq = 0; ;) {
    const page = await resourceStore.subtree(ctx.db, rootRi, { ...filter, afterSeq, limit: PAGE });
    for (const r of page) {
      if (!(await allowed(r))) continue;
      if (skip > 0) skip--;
      else if (found.length === lim) return { found, more: true };
      else found.push(r);
    }
    if (page.length < PAGE) return { found, more: false };
    afterSeq = page[page.length - 1]!.seq;
  }
}

/** Response fields telling a client that a listing was cut and where to continue. */
export function partial(page: Page, ofst: number): { cts?: 1; cto?: number } {
  return page.more ? { cts: 1, cto: ofst + page.found.length } : {};
}
