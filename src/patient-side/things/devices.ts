import { Type, type Static, type TSchema } from '@sinclair/typebox';
import {
  BloodPressureValue,
  ConsciousnessValue,
  EndEpisodeInput,
  EpisodeValue,
  EpisodesValue,
  IntervalValue,
  OxygenValue,
  PulseValue,
  RateValue,
  RespiratoryRateValue,
  SetRateInput,
  SIMULATOR,
  Spo2Value,
  StartEpisodeInput,
  StatusValue,
  TemperatureValue,
  type DeviceName,
} from './device-schemas.js';
import type { SimulatedPatient } from './simulated-patient.js';

/**
 * The affordances of each Thing (TD 1.1 §5.3.1.3 PropertyAffordance,
 * §5.3.1.4 ActionAffordance) and what they do on a simulated patient. The
 * TDs are generated from this table (thing-description.ts) and the server
 * routes by it (thing-server.ts), so the two cannot disagree.
 *
 * The simulation controls live on a separate 'patient simulator' Thing, not
 * on the devices: a real oximeter has no startEpisode, and a gateway that
 * consumes the device Things never sees them.
 */
export interface PropertySpec {
  title: string;
  description?: string;
  schema: TSchema;
  read(p: SimulatedPatient): unknown;
  /** Present on writable properties; gets a value the server has checked against `schema`. */
  write?(p: SimulatedPatient, value: unknown): unknown;
}

export interface ActionSpec {
  title: string;
  description: string;
  input?: TSchema;
  output: TSchema;
  /** TD 1.1 §5.3.1.4: safe = no change of state; idempotent = repeating gives the same result. */
  safe: boolean;
  idempotent: boolean;
  invoke(p: SimulatedPatient, input: unknown): unknown;
}

export interface ThingSpec {
  name: DeviceName | typeof SIMULATOR;
  title: string;
  description: string;
  properties: Record<string, PropertySpec>;
  actions: Record<string, ActionSpec>;
}

/** Ties an input schema to its handler's parameter type; the server validates before calling. */
function action<I extends TSchema>(
  spec: Omit<ActionSpec, 'input' | 'invoke'> & {
    input: I;
    invoke(p: SimulatedPatient, input: Static<I>): unknown;
  },
): ActionSpec {
  return { ...spec, invoke: (p, input) => spec.invoke(p, input as Static<I>) };
}

const status = (device: DeviceName): PropertySpec => ({
  title: 'Device status',
  description: 'Battery level and, where the device has one, probe state',
  schema: StatusValue,
  read: (p) => p.status(device),
});

/**
 * What every scheduled sensor offers for remote commands (issue 5 item 5):
 * its measurement interval (a property, and the setInterval action that
 * changeInterval invokes) and spotCheck, one measurement now.
 */
const interval = (device: DeviceName): PropertySpec => ({
  title: 'Measurement interval',
  description: 'Minutes between two scheduled measurements (simulated time)',
  schema: IntervalValue,
  read: (p) => p.interval(device),
});
const setIntervalAction = (device: DeviceName): ActionSpec =>
  action({
    title: 'Set measurement interval',
    description: 'Changes how often the device measures',
    input: IntervalValue,
    output: IntervalValue,
    safe: false,
    idempotent: true,
    invoke: (p, i) => p.setInterval(device, i.minutes),
  });
const spotCheck = (output: TSchema, measure: (p: SimulatedPatient) => unknown): ActionSpec => ({
  title: 'Spot check',
  description: 'Takes one measurement now and returns it',
  output,
  safe: false,
  idempotent: false,
  invoke: (p) => measure(p),
});

const MINUTE_MS = 60_000;

export const THINGS: readonly ThingSpec[] = [
  {
    name: 'oximeter',
    title: 'Pulse oximeter',
    description: 'Finger pulse oximeter with an oxygen flow controller',
    properties: {
      spo2: { title: 'SpO2', schema: Spo2Value, read: (p) => p.spo2() },
      pulse: { title: 'Pulse', schema: PulseValue, read: (p) => p.pulse() },
      oxygen: {
        title: 'Supplemental oxygen',
        schema: OxygenValue,
        read: (p) => p.physiology.oxygen,
        write: (p, v) => p.physiology.setOxygen(v as Static<typeof OxygenValue>),
      },
      status: status('oximeter'),
      measurementInterval: interval('oximeter'),
    },
    actions: {
      setInterval: setIntervalAction('oximeter'),
      spotCheck: spotCheck(Type.Object({ spo2: Spo2Value, pulse: PulseValue }), (p) => ({
        spo2: p.spo2(),
        pulse: p.pulse(),
      })),
      setOxygen: action({
        title: 'Set oxygen',
        description: 'Turns supplemental oxygen on or off and sets the flow',
        input: OxygenValue,
        output: OxygenValue,
        safe: false,
        idempotent: true,
        invoke: (p, input) => p.physiology.setOxygen(input),
      }),
    },
  },
  {
    name: 'thermometer',
    title: 'Thermometer',
    description: 'Continuous skin-patch thermometer',
    properties: {
      temperature: { title: 'Temperature', schema: TemperatureValue, read: (p) => p.temperature() },
      status: status('thermometer'),
      measurementInterval: interval('thermometer'),
    },
    actions: {
      setInterval: setIntervalAction('thermometer'),
      spotCheck: spotCheck(TemperatureValue, (p) => p.temperature()),
    },
  },
  {
    name: 'bp-monitor',
    title: 'Blood-pressure monitor',
    description: 'Automatic cuff: measures on a schedule, or now on request',
    properties: {
      bloodPressure: {
        title: 'Blood pressure',
        description: 'The latest measurement',
        schema: BloodPressureValue,
        read: (p) => p.bloodPressure(),
      },
      status: status('bp-monitor'),
      measurementInterval: interval('bp-monitor'),
    },
    actions: {
      setInterval: setIntervalAction('bp-monitor'),
      spotCheck: spotCheck(BloodPressureValue, (p) => p.measureBloodPressure()),
      measureNow: {
        title: 'Measure now',
        description: 'Inflates the cuff and returns the new measurement',
        output: BloodPressureValue,
        safe: false,
        idempotent: false,
        invoke: (p) => p.measureBloodPressure(),
      },
    },
  },
  {
    name: 'respiration',
    title: 'Respiration-rate sensor',
    description: 'Chest-band respiration-rate sensor',
    properties: {
      respiratoryRate: {
        title: 'Respiratory rate',
        schema: RespiratoryRateValue,
        read: (p) => p.respiratoryRate(),
      },
      status: status('respiration'),
      measurementInterval: interval('respiration'),
    },
    actions: {
      setInterval: setIntervalAction('respiration'),
      spotCheck: spotCheck(RespiratoryRateValue, (p) => p.respiratoryRate()),
    },
  },
  {
    name: 'consciousness',
    title: 'Consciousness entry device',
    description: 'Where a carer records the ACVPU assessment',
    properties: {
      acvpu: {
        title: 'ACVPU',
        schema: ConsciousnessValue,
        read: (p) => p.consciousness(),
        write: (p, v) => p.assessConsciousness((v as Static<typeof ConsciousnessValue>).value),
      },
      status: status('consciousness'),
    },
    actions: {},
  },
  {
    name: 'infusion-pump',
    title: 'Infusion pump',
    description:
      'Volumetric infusion pump; its rate changes only by a confirmed dose change (four eyes)',
    properties: {
      rate: { title: 'Infusion rate', schema: RateValue, read: (p) => p.rate() },
      status: status('infusion-pump'),
    },
    actions: {
      setRate: action({
        title: 'Set infusion rate',
        description: 'Sets the infusion rate; refuses a rate outside what the pump can deliver',
        input: SetRateInput,
        output: RateValue,
        safe: false,
        idempotent: true,
        invoke: (p, i) => p.setRate(i.rate),
      }),
    },
  },
  {
    name: SIMULATOR,
    title: 'Patient simulator',
    description: 'Steers the simulated patient (demo and tests only; not a medical device)',
    properties: {
      episodes: {
        title: 'Episodes',
        description: 'Deterioration episodes scheduled, under way or recovering',
        schema: EpisodesValue,
        read: (p) => p.physiology.episodes(),
      },
    },
    actions: {
      startEpisode: action({
        title: 'Start episode',
        description: 'Starts a deterioration episode that ramps in over simulated time',
        input: StartEpisodeInput,
        output: EpisodeValue,
        safe: false,
        idempotent: false,
        invoke: (p, i) =>
          p.physiology.startEpisode(i.kind, {
            ...(i.rampMinutes !== undefined ? { rampMs: i.rampMinutes * MINUTE_MS } : {}),
            ...(i.peak !== undefined ? { peak: i.peak } : {}),
          }),
      }),
      endEpisode: action({
        title: 'End episode',
        description: 'Starts recovery from the episodes under way (one kind, or all)',
        input: EndEpisodeInput,
        output: Type.Array(EpisodeValue),
        safe: false,
        idempotent: false,
        invoke: (p, i) =>
          p.physiology.endEpisode(
            i.kind,
            i.recoveryMinutes !== undefined ? { recoveryMs: i.recoveryMinutes * MINUTE_MS } : {},
          ),
      }),
    },
  },
];
