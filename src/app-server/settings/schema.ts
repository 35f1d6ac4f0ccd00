import { Type, type Static } from '@sinclair/typebox';
import { Rsc, TutelaError } from '../../core/errors.js';
import type { ClinicalSettings, Thresholds } from '../clinical/index.js';

/**
 * What a clinician may set for a patient, with ranges that a device could
 * never cross by mistake nor a typo make absurd (a SpO2 limit of 900). The
 * same schema checks the API body and the opened sealed row.
 */
const limit = (minimum: number, maximum: number) =>
  Type.Object(
    {
      below: Type.Optional(Type.Number({ minimum, maximum })),
      above: Type.Optional(Type.Number({ minimum, maximum })),
      cl: Type.Optional(
        Type.Union([Type.Literal('low-medium'), Type.Literal('medium'), Type.Literal('high')]),
      ),
    },
    { additionalProperties: false },
  );

export const ThresholdsSchema = Type.Object(
  {
    respiratoryRate: Type.Optional(limit(4, 60)),
    spo2: Type.Optional(limit(70, 100)),
    pulse: Type.Optional(limit(20, 250)),
    systolicBP: Type.Optional(limit(50, 250)),
    temperature: Type.Optional(limit(30, 43)),
  },
  { additionalProperties: false },
);

export const Spo2TargetSchema = Type.Object(
  {
    low: Type.Number({ minimum: 80, maximum: 100 }),
    high: Type.Number({ minimum: 80, maximum: 100 }),
  },
  { additionalProperties: false },
);

/** PUT /app/patients/:pt/settings: the whole settings, replaced. */
export const SettingsBody = Type.Object(
  {
    spo2Scale: Type.Union([Type.Literal(1), Type.Literal(2)]),
    spo2Target: Type.Optional(Spo2TargetSchema),
    thresholds: Type.Optional(ThresholdsSchema),
  },
  { additionalProperties: false },
);
export type SettingsInput = Static<typeof SettingsBody>;

/** What is sealed: everything but the scale (kept in clear in `patients`). */
export const SealedSettingsSchema = Type.Object(
  { spo2Target: Type.Optional(Spo2TargetSchema), thresholds: ThresholdsSchema },
  { additionalProperties: false },
);

const bad = (msg: string) => new TutelaError('invalid_settings', Rsc.BAD_REQUEST, msg);

/**
 * The checks a schema cannot say: each limit has a bound and its bounds are
 * in order; a target range is low < high and only for SpO2 scale 2 (RCP
 * 2017: scale 1 has no target range to prescribe).
 */
export function checkedSettings(input: SettingsInput): ClinicalSettings {
  const thresholds: Thresholds = input.thresholds ?? {};
  for (const [sign, t] of Object.entries(thresholds)) {
    if (!t) continue;
    if (t.below === undefined && t.above === undefined)
      throw bad(`thresholds.${sign}: give below, above or both`);
    if (t.below !== undefined && t.above !== undefined && t.below >= t.above)
      throw bad(`thresholds.${sign}: below must be less than above`);
  }
  if (input.spo2Target) {
    if (input.spo2Scale !== 2) throw bad('spo2Target: only with SpO2 scale 2');
    if (input.spo2Target.low >= input.spo2Target.high)
      throw bad('spo2Target: low must be less than high');
  }
  return {
    spo2Scale: input.spo2Scale,
    ...(input.spo2Target ? { spo2Target: input.spo2Target } : {}),
    thresholds,
  };
}
