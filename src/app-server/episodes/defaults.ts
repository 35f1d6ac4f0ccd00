import { CONFIDENTIALITY, visibleAt, type Confidentiality } from '../../protocol/levels.js';
import { defaultAl, type Role } from '../directory/roles.js';

/**
 * The defaults a new participation starts from. Who may view, invite or
 * remove, and which epochs a participant's keys reach, are decided by the
 * Cedar policies (policies/, through access/); these only fill in what an
 * invitation leaves out and bound what it may ask.
 */

/** Roles that read data from before they joined unless the inviter says otherwise. */
const HISTORY_BY_DEFAULT: ReadonlySet<Role> = new Set(['patient', 'doctor']);

/** The default of `history` (reading data from before one joined) for a role. */
export function historyByDefault(role: Role): boolean {
  return HISTORY_BY_DEFAULT.has(role);
}

/**
 * The ALs an inviter may give a role: up to the role's default (a role
 * never reads more than it is made for), none for admin and dpo.
 */
export function allowedLevels(role: Role): Confidentiality[] {
  const top = defaultAl(role);
  return top === null ? [] : CONFIDENTIALITY.filter((k) => visibleAt(k, top));
}
