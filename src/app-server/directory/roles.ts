import type { Confidentiality } from '../../protocol/levels.js';

/**
 * The actors of DESIGN.md and the authorization level (AL) each gets by
 * default in a care episode: the highest redaction level (RL) whose version
 * they may read. More than two levels, as the oneM2M use case requires
 * (TR-0001 e-health, potential requirement 5). The authorization server
 * (issue 4) replaces these defaults with per-episode assignments.
 */
export const ROLE_AL = {
  patient: 'V',
  doctor: 'R',
  nurse: 'N',
  responder: 'N',
  insurer: 'M',
  family: 'L',
  researcher: 'U',
} as const satisfies Record<string, Confidentiality>;

export type Role = keyof typeof ROLE_AL;

export const ROLES = Object.keys(ROLE_AL) as Role[];

export function isRole(x: string): x is Role {
  return Object.hasOwn(ROLE_AL, x);
}
