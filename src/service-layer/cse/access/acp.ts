import { compileContexts, type AccessControlContext } from './context.js';
import { resourceStore, type CseDb } from '../store/resource-store.js';
import { HAS_ACPI, Op, Ty, type Resource } from '../model/types.js';

export interface AccessRule {
  acor: string[];
  acop: number;
  acco?: AccessControlContext[];
}
export interface Privileges {
  acr: AccessRule[];
}

/** Who asks, from where, when: what an access decision looks at. */
export interface Requester {
  originator: string;
  ip: string;
  now: Date;
}

/** Does the originator match an acor entry? "all" (and "*") match anyone; a trailing * is a prefix wildcard. */
export function acorMatches(acor: readonly string[], originator: string): boolean {
  for (const entry of acor) {
    if (entry === 'all' || entry === '*' || entry === originator) return true;
    if (entry.endsWith('*') && originator.startsWith(entry.slice(0, -1))) return true;
  }
  return false;
}

type ContextCheck = ReturnType<typeof compileContexts>;
const compiledContexts = new Map<string, ContextCheck>();

/**
 * accessControlContexts compiled once per distinct content: policies are
 * read from the database on every request, and compiling schedules and IP
 * ranges each time would repeat work on every access decision.
 */
function contextsOf(acco: AccessControlContext[]): ContextCheck {
  const key = JSON.stringify(acco);
  let check = compiledContexts.get(key);
  if (!check) {
    if (compiledContexts.size >= 1000) compiledContexts.clear();
    compiledContexts.set(key, (check = compileContexts(acco)));
  }
  return check;
}

/** Is `op` granted by these privileges (TS-0001 §9.6.2.3 accessControlRule matching)? */
export function privilegesAllow(pv: Privileges | undefined, op: Op, who: Requester): boolean {
  for (const rule of pv?.acr ?? []) {
    if ((rule.acop & op) === 0 || !acorMatches(rule.acor, who.originator)) continue;
    if (!rule.acco || rule.acco.length === 0) return true;
    if (contextsOf(rule.acco)({ now: who.now, ip: who.ip })) return true;
  }
  return false;
}

/**
 * Access decisions for the CSE. Deny by default:
 * - the configured administrator originator may do anything;
 * - an accessControlPolicy is governed by its own `pvs`;
 * - a resource with `acpi` is governed by the union of those policies' `pv`;
 * - a resource without `acpi` grants everything to its creator and otherwise
 *   follows its parent (contentInstances have no acpi and always follow the
 *   container); at the CSEBase, nothing is left but the administrator
 *   (TS-0001 §9.6.1.3.2, system default policy);
 * - a registered AE may retrieve the CSEBase and discover from it; what it
 *   finds is still filtered resource by resource.
 */
export class AccessControl {
  constructor(private readonly adminOriginator: string | undefined) {}

  isAdmin(originator: string): boolean {
    return this.adminOriginator !== undefined && originator === this.adminOriginator;
  }

  async allows(db: CseDb, resource: Resource, op: Op, who: Requester): Promise<boolean> {
    if (this.isAdmin(who.originator)) return true;
    if (resource.ty === Ty.ACP) return privilegesAllow(resource.attrs.pvs as Privileges, op, who);
    if (
      resource.ty === Ty.CSEBASE &&
      resource.acpi.length === 0 &&
      (op === Op.RETRIEVE || op === Op.DISCOVERY)
    ) {
      return (await resourceStore.byRi(db, who.originator))?.ty === Ty.AE;
    }
    let r: Resource | undefined = resource;
    while (r) {
      if (HAS_ACPI.has(r.ty)) {
        if (r.acpi.length > 0) {
          const policies = await resourceStore.byRis(db, r.acpi);
          return policies.some(
            (p) => p.ty === Ty.ACP && privilegesAllow(p.attrs.pv as Privileges, op, who),
          );
        }
        if (r.creator === who.originator) return true;
      }
      r = r.pi ? await resourceStore.byRi(db, r.pi) : undefined;
    }
    return false;
  }
}
