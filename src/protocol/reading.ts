/**
 * What a patient gateway measures in one tick, before it is sealed: the
 * plaintext that only the gateway and the application server ever see.
 * Carried inside the HPKE envelope of ./envelope.ts.
 */

/** ACVPU (RCP 2017): Alert, new Confusion, responds to Voice, to Pain, Unresponsive. */
export type Acvpu = 'A' | 'C' | 'V' | 'P' | 'U';

/** What a device reports about itself alongside (or instead of) a value. */
export type DeviceStatus = 'ok' | 'probe-off' | 'low-battery' | 'error';

interface ReadingBase {
  /** The Thing that measured it (its id in the patient's gateway, e.g. "oximeter-1"). */
  device: string;
  /** When it was measured (ISO 8601 with offset). */
  at: string;
  /** Set when the device flags the value as unreliable (e.g. motion artefact). */
  artefact?: boolean;
}

export type Reading =
  | (ReadingBase & { metric: 'spo2'; value: number }) // % (UCUM %)
  | (ReadingBase & { metric: 'pulse'; value: number }) // beats/min
  | (ReadingBase & { metric: 'respiratoryRate'; value: number }) // breaths/min
  | (ReadingBase & { metric: 'temperature'; value: number }) // °C (UCUM Cel)
  | (ReadingBase & { metric: 'bloodPressure'; systolic: number; diastolic: number }) // mm[Hg]
  | (ReadingBase & { metric: 'supplementalOxygen'; on: boolean; flowLpm: number }) // L/min
  | (ReadingBase & { metric: 'consciousness'; value: Acvpu })
  | (ReadingBase & { metric: 'deviceStatus'; status: DeviceStatus; battery?: number });

export type Metric = Reading['metric'];

/** One tick of one patient's gateway. */
export interface ReadingBatch {
  v: 1;
  /** Pseudonymous patient id (never a name): the id the CSE paths use too. */
  patient: string;
  /** The gateway device that sealed the batch. */
  gateway: string;
  /** Per-gateway sequence number, strictly increasing; also bound in the AAD. */
  seq: number;
  /** When the tick was taken (ISO 8601). */
  at: string;
  readings: Reading[];
  /** Where the patient is, when the gateway knows (labelled R by default). */
  location?: { lat: number; lon: number; accuracyM?: number };
  /** Free text a patient or carer typed into the gateway (labelled R by default). */
  note?: string;
}
