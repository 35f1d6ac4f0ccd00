import { Type, type Static, type TLiteral, type TUnion } from '@sinclair/typebox';
import { INTERVAL_MINUTES, PUMP_RATE_ML_H } from '../../protocol/command.js';
import { EPISODE_KINDS } from './episodes.js';
import { MAX_OXYGEN_FLOW_LPM } from './physiology.js';

/**
 * The data contract of the simulated Things: value and input schemas
 * (TypeBox, so the server validates with them and the TDs are generated from
 * them, see thing-description.ts) and the units.
 *
 * Units are UCUM case-sensitive codes, the same codes the FHIR vital-signs
 * Observations carry (system http://unitsofmeasure.org). TD 1.1 §5.3.2.1
 * leaves the `unit` vocabulary open; the consumer checks these exact codes
 * before it turns a value into a reading (readings.ts).
 */
export const UNITS = {
  spo2: '%',
  pulse: '/min',
  respiratoryRate: '/min',
  temperature: 'Cel',
  bloodPressure: 'mm[Hg]',
  oxygenFlow: 'L/min',
  battery: '%',
  infusionRate: 'mL/h',
  interval: 'min',
} as const;

/** The patient's devices, and the Thing that steers the simulation itself. */
export const DEVICE_NAMES = [
  'oximeter',
  'thermometer',
  'bp-monitor',
  'respiration',
  'consciousness',
  'infusion-pump',
] as const;
export type DeviceName = (typeof DEVICE_NAMES)[number];
export const SIMULATOR = 'simulator';

const oneOf = <T extends string>(
  values: readonly T[],
  description?: string,
): TUnion<TLiteral<T>[]> =>
  Type.Union(
    values.map((v) => Type.Literal(v)),
    description ? { description } : {},
  );

/** RFC 3339 with offset, as src/protocol/reading-schema.ts requires of a reading's `at`. */
const time = (description: string, extra: { readOnly?: boolean } = {}) =>
  Type.String({
    pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,9})?(Z|[+-]\\d{2}:\\d{2})$',
    description,
    ...extra,
  });
const TIME = time('When it was measured (RFC 3339, wall clock)');
const ARTEFACT = Type.Optional(
  Type.Boolean({ description: 'Set when the device flags the value as unreliable (motion)' }),
);

/** A continuous measurement; `value` is absent while the device cannot measure (probe off). */
const measurement = (
  title: string,
  unit: string,
  minimum: number,
  maximum: number,
  integer: boolean,
) =>
  Type.Object({
    value: Type.Optional(
      integer
        ? Type.Integer({ title, unit, minimum, maximum })
        : Type.Number({ title, unit, minimum, maximum }),
    ),
    at: TIME,
    artefact: ARTEFACT,
  });

// Bounds are physical, as in the reading schema: clinical judgement comes later.
export const Spo2Value = measurement('Oxygen saturation (SpO2)', UNITS.spo2, 0, 100, true);
export const PulseValue = measurement('Pulse rate', UNITS.pulse, 0, 400, true);
export const RespiratoryRateValue = measurement(
  'Respiratory rate',
  UNITS.respiratoryRate,
  0,
  120,
  true,
);
export const TemperatureValue = measurement('Body temperature', UNITS.temperature, 20, 46, false);
export type Measurement = Static<typeof Spo2Value>;

export const BloodPressureValue = Type.Object({
  systolic: Type.Integer({
    title: 'Systolic',
    unit: UNITS.bloodPressure,
    minimum: 0,
    maximum: 350,
  }),
  diastolic: Type.Integer({
    title: 'Diastolic',
    unit: UNITS.bloodPressure,
    minimum: 0,
    maximum: 300,
  }),
  at: TIME,
  artefact: ARTEFACT,
});
export type BloodPressure = Static<typeof BloodPressureValue>;

/** Writable, so strict: an unknown member is a mistake the writer should hear about. */
export const OxygenValue = Type.Object(
  {
    on: Type.Boolean({ title: 'Oxygen on' }),
    flowLpm: Type.Number({
      title: 'Flow',
      unit: UNITS.oxygenFlow,
      minimum: 0,
      maximum: MAX_OXYGEN_FLOW_LPM,
    }),
  },
  { additionalProperties: false, description: 'Flow must be above 0 when on, and 0 when off' },
);

export const ACVPU = ['A', 'C', 'V', 'P', 'U'] as const;
/** A carer writes `{ value }`; the device stamps `at` (hence readOnly on it). */
export const ConsciousnessValue = Type.Object(
  {
    value: oneOf(ACVPU, 'ACVPU (RCP 2017): Alert, new Confusion, Voice, Pain, Unresponsive'),
    at: Type.Optional(time('When it was assessed', { readOnly: true })),
  },
  { additionalProperties: false },
);
export type Assessment = Static<typeof ConsciousnessValue> & { at: string };

export const StatusValue = Type.Object({
  state: oneOf(['ok', 'probe-off', 'low-battery', 'error'] as const),
  battery: Type.Integer({ title: 'Battery', unit: UNITS.battery, minimum: 0, maximum: 100 }),
  probe: Type.Optional(oneOf(['attached', 'detached'] as const)),
});
export type DeviceState = Static<typeof StatusValue>;

const KIND = oneOf(EPISODE_KINDS, 'Deterioration episode');
const MINUTES = (description: string) =>
  Type.Optional(Type.Number({ minimum: 0, maximum: 1440, unit: 'min', description }));

export const StartEpisodeInput = Type.Object(
  {
    kind: KIND,
    rampMinutes: MINUTES('Simulated minutes to reach the peak (default per kind)'),
    peak: Type.Optional(
      Type.Number({ exclusiveMinimum: 0, maximum: 1, description: 'Severity reached (default 1)' }),
    ),
  },
  { additionalProperties: false },
);
export const EndEpisodeInput = Type.Object(
  {
    kind: Type.Optional(KIND),
    recoveryMinutes: MINUTES('Simulated minutes to recover (default: the ramp time)'),
  },
  { additionalProperties: false },
);

export const EpisodeValue = Type.Object({
  kind: KIND,
  phase: oneOf(['scheduled', 'onset', 'established', 'recovering', 'over'] as const),
  severity: Type.Number({ minimum: 0, maximum: 1 }),
  startsAt: time('When it starts (wall clock)'),
  recoveryStartsAt: Type.Optional(time('When recovery starts (wall clock)')),
});
export const EpisodesValue = Type.Array(EpisodeValue);

/** Every how many minutes a sensor measures (issue 5 item 5: the changeInterval command). */
export const IntervalValue = Type.Object(
  {
    minutes: Type.Integer({
      title: 'Measurement interval',
      unit: UNITS.interval,
      minimum: INTERVAL_MINUTES.min,
      maximum: INTERVAL_MINUTES.max,
    }),
  },
  { additionalProperties: false },
);
export type Interval = Static<typeof IntervalValue>;

/** The infusion pump's rate and since when it runs at it (the changeDose command sets it). */
export const RateValue = Type.Object({
  value: Type.Number({
    title: 'Infusion rate',
    unit: UNITS.infusionRate,
    minimum: PUMP_RATE_ML_H.min,
    maximum: PUMP_RATE_ML_H.max,
  }),
  since: time('When the pump was set to this rate (wall clock)'),
});
export type Rate = Static<typeof RateValue>;

/** Strict and bounded: the pump refuses a rate it cannot deliver (400) rather than clamp it. */
export const SetRateInput = Type.Object(
  {
    rate: Type.Number({
      title: 'Infusion rate',
      unit: UNITS.infusionRate,
      minimum: PUMP_RATE_ML_H.min,
      maximum: PUMP_RATE_ML_H.max,
    }),
  },
  { additionalProperties: false },
);
