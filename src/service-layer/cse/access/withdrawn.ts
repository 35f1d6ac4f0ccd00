import { acorMatches, type Privileges } from './acp.js';

/** The originators an accessControlRule list names with at least one operation. */
function named(pv: Privileges | undefined): Set<string> {
  const out = new Set<string>();
  for (const rule of pv?.acr ?? []) if (rule.acop !== 0) for (const o of rule.acor) out.add(o);
  return out;
}

/**
 * The originators that `before` named and `after` no longer admits to any
 * operation: whose access an UPDATE of a policy's privileges withdrew.
 * Wildcard entries are not originators and are never reported; an
 * originator still matched by a wildcard in `after` keeps its access.
 */
export function withdrawnOriginators(
  before: Privileges | undefined,
  after: Privileges | undefined,
): string[] {
  const still = (after?.acr ?? []).filter((r) => r.acop !== 0);
  return [...named(before)].filter(
    (o) => o !== 'all' && !o.endsWith('*') && !still.some((r) => acorMatches(r.acor, o)),
  );
}
