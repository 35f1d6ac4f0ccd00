import { Type, type Static } from '@sinclair/typebox';
import type { ReadingBatch } from './reading.js';

/**
 * The schema an opened reading batch must satisfy before anything reads it:
 * a gateway's key may be stolen, so even authentic content is untrusted
 * input. Bounds are physical, not clinical (a SpO2 of 60 % is alarming but
 * possible; 160 % is not a reading); the clinical stages judge the rest.
 */
const ID = Type.String({ pattern: '^[A-Za-z0-9._:-]{1,128}$' });
// RFC 3339 date-time, with its offset (no format registry needed, and no local times).
const TIME = Type.String({
  pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,9})?(Z|[+-]\\d{2}:\\d{2})$',
});
const base = {
  device: ID,
  at: TIME,
  artefact: Type.Optional(Type.Boolean()),
};
const num = (minimum: number, maximum: number) => Type.Number({ minimum, maximum });

export const ReadingSchema = Type.Union([
  Type.Object(
    { ...base, metric: Type.Literal('spo2'), value: num(0, 100) },
    { additionalProperties: false },
  ),
  Type.Object(
    { ...base, metric: Type.Literal('pulse'), value: num(0, 400) },
    { additionalProperties: false },
  ),
  Type.Object(
    { ...base, metric: Type.Literal('respiratoryRate'), value: num(0, 120) },
    { additionalProperties: false },
  ),
  Type.Object(
    { ...base, metric: Type.Literal('temperature'), value: num(20, 46) },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      ...base,
      metric: Type.Literal('bloodPressure'),
      systolic: num(0, 350),
      diastolic: num(0, 300),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      ...base,
      metric: Type.Literal('supplementalOxygen'),
      on: Type.Boolean(),
      flowLpm: num(0, 70),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      ...base,
      metric: Type.Literal('consciousness'),
      value: Type.Union((['A', 'C', 'V', 'P', 'U'] as const).map((c) => Type.Literal(c))),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      ...base,
      metric: Type.Literal('deviceStatus'),
      status: Type.Union(
        (['ok', 'probe-off', 'low-battery', 'error'] as const).map((c) => Type.Literal(c)),
      ),
      battery: Type.Optional(num(0, 100)),
    },
    { additionalProperties: false },
  ),
]);

export const ReadingBatchSchema = Type.Object(
  {
    v: Type.Literal(1),
    patient: ID,
    gateway: ID,
    seq: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }),
    at: TIME,
    readings: Type.Array(ReadingSchema, { maxItems: 256 }),
    location: Type.Optional(
      Type.Object(
        { lat: num(-90, 90), lon: num(-180, 180), accuracyM: Type.Optional(num(0, 100_000)) },
        { additionalProperties: false },
      ),
    ),
    note: Type.Optional(Type.String({ maxLength: 2000 })),
  },
  { additionalProperties: false },
);

// The schema and the hand-written types must describe the same thing.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const schemaMatchesType: Same<Static<typeof ReadingBatchSchema>, ReadingBatch> = true;
void schemaMatchesType;
