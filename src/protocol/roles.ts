/**
 * The actors of DESIGN.md, as every zone names them: accounts and access
 * tokens carry one (the authorization server), the policies decide by it
 * (the application server), the clients show it.
 */
export const ROLES = [
  'patient',
  'doctor',
  'nurse',
  'responder',
  'family',
  'insurer',
  'researcher',
  'admin',
  'dpo',
] as const;
export type Role = (typeof ROLES)[number];

export function isRole(x: string): x is Role {
  return (ROLES as readonly string[]).includes(x);
}

/** Clinical roles: they sign in with a second factor (issue 4, item 2). */
export const CLINICAL_ROLES: ReadonlySet<string> = new Set<Role>(['doctor', 'nurse', 'responder']);
