import { CONFIDENTIALITY, visibleAt, type Confidentiality } from '../../protocol/levels.js';
import { defaultAl, type Role } from '../directory/roles.js';

/**
 * Who may do what with a care episode: the only place these decisions are
 * made, so that the policy engine (Cedar, src/app-server/policy) can take
 * them over function by function. Each takes the caller's own current
 * participation in that patient's episode (undefined: not a participant)
 * and denies by default.
 */
export interface Caller {
  id: string;
  participation: { role: Role } | undefined;
}

/** The patient and the treating doctor manage the episode (ISSUE-4 item 3: patients control who is in it). */
const MANAGERS: ReadonlySet<Role> = new Set(['patient', 'doctor']);

/** Roles that read data from before they joined unless the inviter says otherwise. */
const HISTORY_BY_DEFAULT: ReadonlySet<Role> = new Set(['patient', 'doctor']);

/** May the caller invite someone into the episode with this role? Never a second patient. */
export function mayInvite(caller: Caller, role: Role): boolean {
  const own = caller.participation?.role;
  return own !== undefined && MANAGERS.has(own) && role !== 'patient';
}

/**
 * May the caller remove `target` from the episode? The patient and the
 * treating doctor may remove others; anyone may leave; nobody removes the
 * patient (their episode would have no subject: it is closed instead).
 */
export function mayRemove(caller: Caller, target: { user: string; role: Role }): boolean {
  const own = caller.participation?.role;
  if (own === undefined || target.role === 'patient') return false;
  return caller.id === target.user || MANAGERS.has(own);
}

/** May the caller see who is in the episode? The patient and every participant. */
export function mayViewEpisode(caller: Caller): boolean {
  return caller.participation !== undefined;
}

/** The default of `history` (reading data from before one joined) for a role. */
export function historyByDefault(role: Role): boolean {
  return HISTORY_BY_DEFAULT.has(role);
}

/**
 * May this participant have the data key of `epoch`? Epochs from the one
 * current when they joined on are theirs; earlier ones only with history.
 */
export function mayReadHistory(
  participant: { history: boolean; joinedEpoch: number },
  epoch: number,
): boolean {
  return epoch >= participant.joinedEpoch || participant.history;
}

/**
 * The ALs an inviter may give a role: up to the role's default (a role
 * never reads more than it is made for), none for admin and dpo.
 */
export function allowedLevels(role: Role): Confidentiality[] {
  const top = defaultAl(role);
  return top === null ? [] : CONFIDENTIALITY.filter((k) => visibleAt(k, top));
}
