import { readFileSync } from 'node:fs';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { Rsc, TutelaError } from '../../core/errors.js';
import { ROLES } from '../../protocol/roles.js';
import type { Criticality } from '../../protocol/levels.js';
import defaults from './default-escalation.json' with { type: 'json' };

/**
 * Routing by responsiveness (issue 5 item 3; DESIGN.md step 9, "life-critical
 * events reach emergency responders first"): per CL, a chain of steps. Step 0
 * is alerted when the alert is raised; if nobody acknowledges within its
 * `ackWithinMinutes`, the next step is alerted too (recipients add up), and so
 * on; after the last step nothing more is sent. Recipients are the patient's
 * episode participants with one of `roles`, plus `users` (named on-call
 * people). docs/alerts.md explains every field.
 */
const Role = Type.Union(ROLES.map((r) => Type.Literal(r)));
const strict = { additionalProperties: false } as const;
const Step = Type.Object(
  {
    roles: Type.Array(Role, { uniqueItems: true }),
    users: Type.Optional(Type.Array(Type.String({ pattern: '^[A-Za-z0-9._:-]{1,128}$' }))),
    ackWithinMinutes: Type.Integer({ minimum: 1, maximum: 24 * 60 }),
  },
  strict,
);
const Chain = Type.Object(
  {
    /** Whether a recovered alert of this CL resolves itself (otherwise a clinician resolves it). */
    autoResolve: Type.Boolean(),
    steps: Type.Array(Step, { minItems: 1, maxItems: 10 }),
  },
  strict,
);
export const EscalationDocument = Type.Object(
  {
    version: Type.Literal(1),
    /** Hysteresis: the finding absent for this many consecutive readings AND this many minutes. */
    recovery: Type.Object(
      {
        readings: Type.Integer({ minimum: 1, maximum: 1000 }),
        minutes: Type.Integer({ minimum: 0, maximum: 24 * 60 }),
      },
      strict,
    ),
    // `low` raises no alert, so it has no chain.
    chains: Type.Object({ high: Chain, medium: Chain, 'low-medium': Chain }, strict),
  },
  strict,
);
export type EscalationConfig = Static<typeof EscalationDocument>;
export type EscalationStep = Static<typeof Step>;
export type AlertingCl = Exclude<Criticality, 'low'>;

const invalid = (why: string) =>
  new TutelaError('escalation_invalid', Rsc.INTERNAL_SERVER_ERROR, `escalation config: ${why}`);

/** Checks a parsed document; the platform refuses to start on an invalid one. */
export function parseEscalation(json: unknown): EscalationConfig {
  if (!Value.Check(EscalationDocument, json)) {
    const e = Value.Errors(EscalationDocument, json).First();
    throw invalid(`${e?.path || '/'}: ${e?.message ?? 'invalid'}`);
  }
  for (const [cl, chain] of Object.entries(json.chains))
    chain.steps.forEach((s, i) => {
      if (s.roles.length === 0 && !s.users?.length) throw invalid(`${cl} step ${i} alerts nobody`);
    });
  return json;
}

/** The file at `file` (config `app.escalation`), or the default of the repository. */
export function loadEscalation(file?: string): EscalationConfig {
  if (!file) return parseEscalation(defaults);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw invalid(`cannot read ${file} (${(err as Error).message})`);
  }
  return parseEscalation(json);
}
