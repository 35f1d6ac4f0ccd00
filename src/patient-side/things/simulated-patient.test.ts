import { describe, expect, it } from 'vitest';
import { SimulatedPatient, type SimulationOptions } from './simulated-patient.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const T0 = Date.UTC(2025, 0, 6, 8, 0, 0);

function simulated(opts: Partial<SimulationOptions> = {}) {
  let now = T0;
  const p = new SimulatedPatient({ patient: 'pt-1', seed: 11, clock: () => now, ...opts });
  return { p, advance: (ms: number) => (now += ms) };
}

describe('a simulated patient seen through the devices', () => {
  it('has the oximeter probe fall off now and then: no SpO2 or pulse, status probe-off', () => {
    const { p, advance } = simulated();
    let off = 0;
    let on = 0;
    for (let i = 0; i < 48 * 60; i++, advance(MIN)) {
      const spo2 = p.spo2();
      const status = p.status('oximeter');
      if (spo2.value === undefined) {
        off++;
        expect(p.pulse().value).toBeUndefined();
        expect(status).toMatchObject({ state: 'probe-off', probe: 'detached' });
      } else {
        on++;
        expect(status.probe).toBe('attached');
      }
    }
    expect(off).toBeGreaterThan(0);
    expect(on).toBeGreaterThan(off * 10);
  });

  it('flags motion artefacts and lets batteries run low, then get replaced', () => {
    const { p, advance } = simulated({ noisePeriodMs: MIN });
    let artefacts = 0;
    const battery: number[] = [];
    let lowBattery = false;
    for (let i = 0; i < 72 * 60; i++, advance(MIN)) {
      if (p.respiratoryRate().artefact) artefacts++;
      const s = p.status('thermometer');
      battery.push(s.battery);
      if (s.state === 'low-battery') {
        lowBattery = true;
        expect(s.battery).toBeLessThan(15);
      }
      expect(s).not.toHaveProperty('probe');
    }
    expect(artefacts).toBeGreaterThan(20);
    expect(lowBattery).toBe(true);
    expect(Math.min(...battery)).toBeGreaterThanOrEqual(5);
    expect(Math.max(...battery)).toBeLessThanOrEqual(100);
    // It drains (falls most minutes) and is replaced (one jump up per cycle).
    const jumps = battery.filter((b, i) => i > 0 && b > battery[i - 1]! + 50).length;
    expect(jumps).toBe(1);
  });

  it('gives clean signals when faults are off', () => {
    const { p, advance } = simulated({ faults: false });
    for (let i = 0; i < 24 * 60; i++, advance(MIN)) {
      expect(p.spo2().value).toBeDefined();
      expect(p.respiratoryRate().artefact).toBeUndefined();
    }
  });

  it('measures blood pressure on a schedule, or now on request', () => {
    const { p, advance } = simulated({ faults: false, bpIntervalMs: 30 * MIN });
    advance(31 * MIN);
    const scheduled = p.bloodPressure();
    expect(scheduled.at).toBe(new Date(T0 + 30 * MIN).toISOString());
    advance(10 * MIN);
    expect(p.bloodPressure()).toEqual(scheduled);
    const now = p.measureBloodPressure();
    expect(now.at).toBe(new Date(T0 + 41 * MIN).toISOString());
    expect(p.bloodPressure()).toEqual(now);
    advance(20 * MIN);
    expect(p.bloodPressure().at).toBe(new Date(T0 + 60 * MIN).toISOString());
  });

  it("keeps a carer's ACVPU entry until the patient's state changes", () => {
    const { p, advance } = simulated({ faults: false });
    expect(p.consciousness()).toEqual({ value: 'A', at: new Date(T0).toISOString() });
    advance(MIN);
    expect(p.assessConsciousness('V')).toEqual({
      value: 'V',
      at: new Date(T0 + MIN).toISOString(),
    });
    p.physiology.startEpisode('sepsis', { rampMs: HOUR });
    advance(30 * MIN);
    expect(p.consciousness().value).toBe('V'); // no new confusion yet: the entry stands
    advance(30 * MIN);
    expect(p.consciousness()).toEqual({
      value: 'C',
      at: new Date(T0 + 61 * MIN).toISOString(),
    });
  });
});
