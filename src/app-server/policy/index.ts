/**
 * The application server's policy engine (docs/policies.md): Cedar policies
 * in versioned files under `policies/`, decided through
 * `@cedar-policy/cedar-wasm`. Self-contained: callers build the plain request
 * (principal, action, resource, context) from their own data.
 */
export { PolicyEngine, type LoadOptions } from './engine.js';
export { packageRoot, defaultPoliciesDir } from './loader.js';
export {
  ACTIONS,
  COMMANDS,
  PATIENT_SELF,
  POLICY_ROLES,
  PURPOSES,
  ContextSchema,
  PrincipalSchema,
  RequestSchema,
  type Command,
  type PolicyAction,
  type PolicyContext,
  type PolicyDecision,
  type PolicyParticipant,
  type PolicyPrincipal,
  type PolicyRequest,
  type PolicyResource,
  type PolicyRole,
  type PurposeOfUse,
} from './model.js';
