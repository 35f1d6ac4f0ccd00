import type { ReadingBatch, Reading } from '../src/protocol/reading.js';

/** Vital-sign readings in every tick (the seven of pipeline.int.test.ts's `vitals()`). */
export const READINGS_PER_TICK = 7;

/** One tick in this many crosses into high criticality (NEWS2 ≥ 7): an alert. */
export const ALERT_EVERY = 20;

/**
 * The tick a gateway seals: the seven NEWS2 vital signs, the patient's
 * position, and now and then a note, as the demo ward sends them. A normal
 * tick varies within NEWS2's zero bands (CL low); an alert tick is the
 * septic picture of pipeline.int.test.ts (NEWS2 16, CL high). `pulse` is
 * kept by the benchmark to check the versions it decrypts.
 */
export function tickBatch(
  pt: string,
  dev: string,
  seq: number,
  alert: boolean,
): { batch: ReadingBatch; pulse: number } {
  const at = new Date().toISOString();
  const v = alert
    ? { pulse: 135, rr: 27, spo2: 90, sbp: 88, temp: 39.4, acvpu: 'C' as const }
    : {
        pulse: 68 + (seq % 15),
        rr: 14 + (seq % 4),
        spo2: 96 + (seq % 3),
        sbp: 115 + (seq % 20),
        temp: Math.round(365 + (seq % 8)) / 10,
        acvpu: 'A' as const,
      };
  const readings: Reading[] = [
    { device: 'ox', metric: 'spo2', at, value: v.spo2 },
    { device: 'ox', metric: 'pulse', at, value: v.pulse },
    { device: 'ox', metric: 'supplementalOxygen', at, on: false, flowLpm: 0 },
    { device: 'rr', metric: 'respiratoryRate', at, value: v.rr },
    { device: 'bp', metric: 'bloodPressure', at, systolic: v.sbp, diastolic: 71 },
    { device: 'th', metric: 'temperature', at, value: v.temp },
    { device: 'cv', metric: 'consciousness', at, value: v.acvpu },
  ];
  return {
    pulse: v.pulse,
    batch: {
      v: 1,
      patient: pt,
      gateway: dev,
      seq,
      at,
      readings,
      location: { lat: 48.85, lon: 2.35, accuracyM: 20 },
      ...(seq % 7 === 3 ? { note: 'felt dizzy after lunch' } : {}),
    },
  };
}
