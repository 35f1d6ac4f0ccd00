import type { Confidentiality } from '../../protocol/levels.js';
import { isRole, ROLES, type Role } from '../../protocol/roles.js';

export { isRole, ROLES, type Role };

/**
 * The actors of DESIGN.md and the authorization level (AL) each gets by
 * default in a care episode: the highest redaction level (RL) whose version
 * they may read. More than two levels, as the oneM2M use case requires
 * (TR-0001 e-health, potential requirement 5). `null`: the role reads no
 * clinical version at all (the platform administrator and the
 * data-protection officer). Each participant of an episode has their own AL
 * there (episodes/), which defaults to this.
 */
export const ROLE_AL = {
  patient: 'V',
  doctor: 'R',
  nurse: 'N',
  responder: 'N',
  insurer: 'M',
  family: 'L',
  researcher: 'U',
  admin: null,
  dpo: null,
} as const satisfies Record<Role, Confidentiality | null>;

/** The role's default AL, or null for a role that reads no clinical version. */
export function defaultAl(role: Role): Confidentiality | null {
  return ROLE_AL[role];
}
