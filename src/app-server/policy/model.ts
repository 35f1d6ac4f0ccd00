import { Type, type Static, type TLiteral, type TUnion } from '@sinclair/typebox';
import { CONFIDENTIALITY } from '../../protocol/levels.js';
import { ROLES, type Role } from '../../protocol/roles.js';

/**
 * The plain input of the policy engine: who asks (principal), to do what
 * (action), to which resource, in which context. It depends on nothing else in
 * the application server, so care episodes, devices and break-the-glass can
 * each build it from their own data. The same shapes are checked at the
 * engine's boundary (TypeBox, no extra properties) before anything reaches
 * Cedar.
 */

/** The actors of DESIGN.md (CONTRACTS.md, "Roles and levels"): the platform's roles. */
export const POLICY_ROLES = ROLES;
export type PolicyRole = Role;

/**
 * HL7 v3 PurposeOfUse codes (v3-ActReason): treatment, emergency treatment,
 * healthcare research, healthcare payment.
 */
export const PURPOSES = ['TREAT', 'ETREAT', 'HRESCH', 'HPAYMT'] as const;
export type PurposeOfUse = (typeof PURPOSES)[number];

/** Every action the policies know, as named in policies/<version>/schema.cedarschema. */
export const ACTIONS = [
  'readVersion',
  'releaseKey',
  'readAlerts',
  'handleAlert',
  'changeInterval',
  'spotCheck',
  'changeDose',
  'confirmDose',
  'readSettings',
  'changeSettings',
  'viewEpisode',
  'invite',
  'remove',
  'breakGlass',
  'exportResearch',
  'readAudit',
] as const;
export type PolicyAction = (typeof ACTIONS)[number];

/** The remote commands a caregiver may send to a patient's gateway (confirmation apart). */
export const COMMANDS = ['changeInterval', 'spotCheck', 'changeDose'] as const;
export type Command = (typeof COMMANDS)[number];

function literals<T extends readonly string[]>(xs: T): TUnion<TLiteral<T[number]>[]> {
  return Type.Union(xs.map((x) => Type.Literal(x)));
}

const Id = Type.String({ minLength: 1, maxLength: 256 });
const Level = literals(CONFIDENTIALITY);
const Role = literals(POLICY_ROLES);
const Purpose = literals(PURPOSES);
const strict = { additionalProperties: false } as const;

export const PrincipalSchema = Type.Object(
  {
    id: Id,
    role: Role,
    /** The AL the authorization server asserts; null for admin and dpo (no version). */
    al: Type.Union([Level, Type.Null()]),
    /** Whether this session passed a second factor. */
    mfa: Type.Boolean(),
  },
  strict,
);
export type PolicyPrincipal = Static<typeof PrincipalSchema>;

/** The caller's own place in this patient's episode. */
export const ParticipantSchema = Type.Object(
  {
    role: Role,
    al: Level,
    /** May read data from epochs before the one they joined in. */
    history: Type.Boolean(),
    joinedEpoch: Type.Integer({ minimum: 0 }),
  },
  strict,
);
export type PolicyParticipant = Static<typeof ParticipantSchema>;

/**
 * The patient's own place in their episode: a participant with role
 * `patient`, AL V, all of their history, from the first epoch.
 */
export const PATIENT_SELF: PolicyParticipant = Object.freeze({
  role: 'patient',
  al: 'V',
  history: true,
  joinedEpoch: 0,
});

export const ResourceSchema = Type.Union([
  Type.Object({ kind: Type.Literal('version'), pt: Id, rl: Level }, strict),
  Type.Object({ kind: Type.Literal('alerts'), pt: Id }, strict),
  Type.Object({ kind: Type.Literal('episode'), pt: Id }, strict),
  Type.Object({ kind: Type.Literal('device'), pt: Id, dev: Type.Optional(Id) }, strict),
  Type.Object(
    { kind: Type.Literal('doseOrder'), pt: Id, id: Type.Optional(Id), proposedBy: Id },
    strict,
  ),
  Type.Object({ kind: Type.Literal('researchExport'), rl: Level }, strict),
  Type.Object({ kind: Type.Literal('auditLog') }, strict),
]);
export type PolicyResource = Static<typeof ResourceSchema>;

export const ContextSchema = Type.Object(
  {
    /** Absent or null: the caller is not in this patient's episode. */
    participant: Type.Optional(Type.Union([ParticipantSchema, Type.Null()])),
    purposeOfUse: Type.Optional(Purpose),
    /** A high-criticality alert is open for this patient. */
    openHighAlert: Type.Optional(Type.Boolean()),
    /** The caller holds an active break-the-glass grant for this patient. */
    breakGlass: Type.Optional(Type.Object({ active: Type.Boolean() }, strict)),
    /** The key epoch of the data asked for (absent: the current one). */
    epoch: Type.Optional(Type.Integer({ minimum: 0 })),
    /** Why the glass is broken (breakGlass). */
    reason: Type.Optional(Type.String({ maxLength: 2000 })),
    /** The person invited or removed (invite, remove). */
    target: Type.Optional(Type.Object({ user: Id, role: Role, al: Type.Optional(Level) }, strict)),
  },
  strict,
);
export type PolicyContext = Static<typeof ContextSchema>;

export const RequestSchema = Type.Object(
  {
    principal: PrincipalSchema,
    action: literals(ACTIONS),
    resource: ResourceSchema,
    context: Type.Optional(ContextSchema),
  },
  strict,
);
export type PolicyRequest = Static<typeof RequestSchema>;

/** The answer of the engine. `reasons` are the `@id`s of the policies that decided. */
export interface PolicyDecision {
  readonly allowed: boolean;
  readonly reasons: readonly string[];
  readonly errors: readonly string[];
}
