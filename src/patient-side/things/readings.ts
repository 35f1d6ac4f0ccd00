import type { Static, TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { Rsc, TutelaError } from '../../core/errors.js';
import type { Reading } from '../../protocol/reading.js';
import {
  BloodPressureValue,
  ConsciousnessValue,
  OxygenValue,
  PulseValue,
  RespiratoryRateValue,
  Spo2Value,
  StatusValue,
  TemperatureValue,
  UNITS,
} from './device-schemas.js';

type Base = { device: string; at: string; artefact?: boolean };

interface Mapping<S extends TSchema> {
  schema: S;
  /** The unit each member must carry in the TD (UCUM), checked before values are trusted. */
  units: Record<string, string>;
  to(value: Static<S>, base: Base): Reading[];
}
const mapping = <S extends TSchema>(m: Mapping<S>) => m as unknown as Mapping<TSchema>;

/**
 * How each property's value becomes readings of src/protocol/reading.ts.
 * Measurements carry their own `at` and artefact flag; settings and device
 * status are stamped with the time they were read. A measurement without a
 * value (probe off) gives no reading: the device's status says why.
 */
const MAPPINGS: Record<string, Mapping<TSchema>> = {
  spo2: mapping({
    schema: Spo2Value,
    units: { value: UNITS.spo2 },
    to: (v, b) => (v.value === undefined ? [] : [{ ...b, metric: 'spo2', value: v.value }]),
  }),
  pulse: mapping({
    schema: PulseValue,
    units: { value: UNITS.pulse },
    to: (v, b) => (v.value === undefined ? [] : [{ ...b, metric: 'pulse', value: v.value }]),
  }),
  respiratoryRate: mapping({
    schema: RespiratoryRateValue,
    units: { value: UNITS.respiratoryRate },
    to: (v, b) =>
      v.value === undefined ? [] : [{ ...b, metric: 'respiratoryRate', value: v.value }],
  }),
  temperature: mapping({
    schema: TemperatureValue,
    // A Fahrenheit thermometer read as Celsius would look like hypothermia.
    units: { value: UNITS.temperature },
    to: (v, b) => (v.value === undefined ? [] : [{ ...b, metric: 'temperature', value: v.value }]),
  }),
  bloodPressure: mapping({
    schema: BloodPressureValue,
    units: { systolic: UNITS.bloodPressure, diastolic: UNITS.bloodPressure },
    to: (v, b) => [{ ...b, metric: 'bloodPressure', systolic: v.systolic, diastolic: v.diastolic }],
  }),
  oxygen: mapping({
    schema: OxygenValue,
    units: { flowLpm: UNITS.oxygenFlow },
    to: (v, b) => [{ ...b, metric: 'supplementalOxygen', on: v.on, flowLpm: v.flowLpm }],
  }),
  acvpu: mapping({
    schema: ConsciousnessValue,
    units: {},
    to: (v, b) => [{ ...b, metric: 'consciousness', value: v.value }],
  }),
  status: mapping({
    schema: StatusValue,
    units: { battery: UNITS.battery },
    to: (v, b) => [{ ...b, metric: 'deviceStatus', status: v.state, battery: v.battery }],
  }),
};

/** The properties that carry readings. */
export const READING_PROPERTIES: readonly string[] = Object.keys(MAPPINGS);

/**
 * The readings in one property value read from a Thing. `device` names the
 * Thing in the gateway (e.g. "oximeter"); `readAt` stamps values that carry
 * no time of their own. A value that does not match the contract is refused
 * (the error names the field, never the value: it may be health data).
 */
export function toReadings(
  device: string,
  property: string,
  value: unknown,
  readAt: Date,
): Reading[] {
  const m = Object.hasOwn(MAPPINGS, property) ? MAPPINGS[property] : undefined;
  if (!m) return [];
  if (!Value.Check(m.schema, value)) {
    const first = Value.Errors(m.schema, value).First();
    throw new TutelaError(
      'thing_bad_value',
      Rsc.BAD_REQUEST,
      `${property} of ${device} does not match its schema at ${first?.path || '/'}`,
    );
  }
  const v = value as { at?: string; artefact?: boolean };
  const base: Base = {
    device,
    at: v.at ?? readAt.toISOString(),
    ...(v.artefact ? { artefact: true } : {}),
  };
  return m.to(value, base);
}

/**
 * Why a TD's property cannot be turned into readings as is: a unit other
 * than the one the reading type assumes (the TD's `unit` on each member,
 * TD 1.1 §5.3.2.1). Undefined when it is fine or carries no reading.
 */
export function unitMismatch(
  td: { properties?: Record<string, unknown> },
  property: string,
): string | undefined {
  const m = Object.hasOwn(MAPPINGS, property) ? MAPPINGS[property] : undefined;
  if (!m) return undefined;
  const schema = td.properties?.[property] as
    { properties?: Record<string, { unit?: unknown } | undefined> } | undefined;
  for (const [member, unit] of Object.entries(m.units)) {
    const got = schema?.properties?.[member]?.unit;
    if (got !== unit) return `${property}.${member} is in ${JSON.stringify(got)}, not ${unit}`;
  }
  return undefined;
}
