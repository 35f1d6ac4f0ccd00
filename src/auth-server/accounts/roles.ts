/** Roles of CONTRACTS.md ("Roles and levels"); admin and dpo read no clinical content. */
export const ACCOUNT_ROLES = [
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
export type AccountRole = (typeof ACCOUNT_ROLES)[number];

export function isAccountRole(x: string): x is AccountRole {
  return (ACCOUNT_ROLES as readonly string[]).includes(x);
}

/** Clinical roles must sign in with a second factor (issue 4, item 2). */
export const CLINICAL_ROLES: ReadonlySet<string> = new Set(['doctor', 'nurse', 'responder']);
