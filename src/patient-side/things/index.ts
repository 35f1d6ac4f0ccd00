/**
 * The patient's medical Things: simulated devices served as W3C WoT Things
 * (TD 1.1 over HTTPS, observation over SSE), and the TD-driven consumer a
 * gateway uses to read them and turn their values into readings.
 */
export { collectReadings, deviceOf, type CollectOptions } from './collect.js';
export { ConsumedThing, ThingConsumer, type ConsumerOptions } from './consumer.js';
export type { ConsumedTd } from './consumed-td.js';
export { type FaultOptions } from './device-faults.js';
export { DEVICE_NAMES, SIMULATOR, UNITS, type DeviceName } from './device-schemas.js';
export { THINGS, type ThingSpec } from './devices.js';
export { EPISODE_KINDS, type EpisodeKind } from './episodes.js';
export { ThingRequestError, UnauthenticatedError } from './errors.js';
export { Observation } from './observation.js';
export {
  Physiology,
  type EpisodeView,
  type Oxygen,
  type PhysiologyOptions,
  type ScheduledEpisode,
  type Vitals,
} from './physiology.js';
export { READING_PROPERTIES, toReadings, unitMismatch } from './readings.js';
export { SimulatedPatient, type SimulationOptions } from './simulated-patient.js';
export { describeThing, thingId, TD_CONTEXT, type ThingDescription } from './thing-description.js';
export { startThingServer, type ThingServer, type ThingServerOptions } from './thing-server.js';
export { MIN_TOKEN_LENGTH } from './auth.js';
