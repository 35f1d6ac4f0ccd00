import { describe, expect, it } from 'vitest';
import type { Reading } from '../../protocol/reading.js';
import { DeviceFaultWatch } from './device-faults.js';
import { assessNews2 } from './news2.js';

const T0 = Date.parse('2026-12-03T08:00:00Z');
const iso = (t: number) => new Date(t).toISOString();

function tick(w: DeviceFaultWatch, t: number, readings: Reading[]) {
  w.update('pt-1', readings, assessNews2(readings, { spo2Scale: 1 }), t);
  return w.findings('pt-1');
}
const probeOff = (t: number): Reading[] => [
  { device: 'ox', metric: 'deviceStatus', at: iso(t), status: 'probe-off', battery: 80 },
  { device: 'rr', metric: 'respiratoryRate', at: iso(t), value: 16 },
];
const clean = (t: number): Reading[] => [{ device: 'ox', metric: 'spo2', at: iso(t), value: 96 }];
const artefact = (t: number): Reading[] => [
  { device: 'ox', metric: 'spo2', at: iso(t), value: 80, artefact: true },
];

describe('DeviceFaultWatch', () => {
  it('raises device.probe-off after 3 faulty ticks spanning a minute', () => {
    const w = new DeviceFaultWatch();
    expect(tick(w, T0, probeOff(T0))).toEqual([]);
    expect(tick(w, T0 + 30_000, probeOff(T0 + 30_000))).toEqual([]);
    // Third tick but only 59.999 s: not yet.
    expect(tick(w, T0 + 59_999, probeOff(T0 + 59_999))).toEqual([]);
    const [f] = tick(w, T0 + 60_000, probeOff(T0 + 60_000));
    expect(f).toMatchObject({ rule: 'device.probe-off', cl: 'low-medium', subject: 'ox' });
  });

  it('counts artefact-only ticks as faulty, and a clean reading ends the run', () => {
    const w = new DeviceFaultWatch();
    tick(w, T0, artefact(T0));
    tick(w, T0 + 30_000, artefact(T0 + 30_000));
    tick(w, T0 + 45_000, clean(T0 + 45_000));
    expect(tick(w, T0 + 60_000, artefact(T0 + 60_000))).toEqual([]);
    // A tick without the device leaves the run as it is.
    tick(w, T0 + 90_000, [{ device: 'rr', metric: 'respiratoryRate', at: iso(T0), value: 16 }]);
    tick(w, T0 + 100_000, artefact(T0 + 100_000));
    expect(tick(w, T0 + 120_000, artefact(T0 + 120_000))).toHaveLength(1);
    // …and so does a later tick without it: the finding holds until the device measures again.
    expect(
      tick(w, T0 + 150_000, [{ device: 'rr', metric: 'respiratoryRate', at: iso(T0), value: 16 }]),
    ).toHaveLength(1);
    expect(tick(w, T0 + 180_000, clean(T0 + 180_000))).toEqual([]);
  });

  it('an artefact beside a clean value from the same device is no fault', () => {
    const w = new DeviceFaultWatch();
    for (let i = 0; i < 5; i++) {
      const t = T0 + i * 30_000;
      const f = tick(w, t, [
        ...artefact(t),
        { device: 'ox', metric: 'pulse', at: iso(t), value: 70 },
      ]);
      expect(f).toEqual([]);
    }
  });

  it('battery: low at 15 % or below (CL low), low-medium at 5 % or below, or when the device says so', () => {
    const w = new DeviceFaultWatch();
    const status = (battery: number | undefined, s: 'ok' | 'low-battery' = 'ok'): Reading[] => [
      {
        device: 'bp',
        metric: 'deviceStatus',
        at: iso(T0),
        status: s,
        ...(battery === undefined ? {} : { battery }),
      },
    ];
    expect(tick(w, T0, status(16))).toEqual([]);
    expect(tick(w, T0, status(15))).toEqual([
      expect.objectContaining({ rule: 'device.battery-low', cl: 'low', subject: 'bp' }),
    ]);
    expect(tick(w, T0, status(6))[0]!.cl).toBe('low');
    expect(tick(w, T0, status(5))[0]!.cl).toBe('low-medium');
    expect(tick(w, T0, status(undefined, 'low-battery'))[0]!.rule).toBe('device.battery-low');
    // Another device's status says nothing about this one's battery.
    expect(
      tick(w, T0, [
        { device: 'th', metric: 'deviceStatus', at: iso(T0), status: 'ok', battery: 90 },
      ]),
    ).toHaveLength(1);
    expect(tick(w, T0, status(undefined))).toEqual([]);
    expect(tick(w, T0, status(80))).toEqual([]);
  });

  it('reports a device error', () => {
    const w = new DeviceFaultWatch();
    const f = tick(w, T0, [{ device: 'th', metric: 'deviceStatus', at: iso(T0), status: 'error' }]);
    expect(f).toEqual([expect.objectContaining({ rule: 'device.error', cl: 'low-medium' })]);
    const ok = tick(w, T0, [{ device: 'th', metric: 'deviceStatus', at: iso(T0), status: 'ok' }]);
    expect(ok).toEqual([]);
  });
});
