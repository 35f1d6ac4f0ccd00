import { CLINICAL_ROLES, isRole, ROLES, type Role } from '../../protocol/roles.js';

/** Roles of CONTRACTS.md ("Roles and levels"): the platform's roles (protocol/roles.ts). */
export const ACCOUNT_ROLES = ROLES;
export type AccountRole = Role;
export const isAccountRole = isRole;
export { CLINICAL_ROLES };
