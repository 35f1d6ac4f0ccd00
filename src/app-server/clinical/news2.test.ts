import { describe, expect, it } from 'vitest';
import type { Acvpu, Reading } from '../../protocol/reading.js';
import { assessNews2, NEWS2_PARAMETERS, type News2Parameter } from './news2.js';

const AT = '2025-03-01T10:00:00Z';
const dev = { device: 'thing-1', at: AT };

const rr = (value: number): Reading => ({ ...dev, metric: 'respiratoryRate', value });
const spo2 = (value: number): Reading => ({ ...dev, metric: 'spo2', value });
const oxygen = (on: boolean, flowLpm = on ? 2 : 0): Reading => ({
  ...dev,
  metric: 'supplementalOxygen',
  on,
  flowLpm,
});
const bp = (systolic: number, diastolic = 60): Reading => ({
  ...dev,
  metric: 'bloodPressure',
  systolic,
  diastolic,
});
const pulse = (value: number): Reading => ({ ...dev, metric: 'pulse', value });
const acvpu = (value: Acvpu): Reading => ({ ...dev, metric: 'consciousness', value });
const temp = (value: number): Reading => ({ ...dev, metric: 'temperature', value });

/** A full set in which every parameter scores 0; `over` replaces readings of the same metric. */
function normalSet(...over: Reading[]): Reading[] {
  const base = [rr(16), spo2(97), oxygen(false), bp(120, 80), pulse(70), acvpu('A'), temp(37.0)];
  return [...base.filter((b) => !over.some((o) => o.metric === b.metric)), ...over];
}

function subScore(param: News2Parameter, readings: Reading[], spo2Scale: 1 | 2 = 1) {
  return assessNews2(readings, { spo2Scale }).parameters[param]?.score;
}

// Every band edge of RCP 2017 Chart 1, both sides, as [value, sub-score] (SpO2 scale 2:
// [value, on air, on oxygen]); moving any edge by one fails a row. Laid out like the chart.
type Row = [number, number];
// prettier-ignore
const CHART = {
  respiratoryRate: [[0, 3], [8, 3], [9, 1], [11, 1], [12, 0], [20, 0], [21, 2], [24, 2], [25, 3], [60, 3]] as Row[],
  spo2Scale1: [[50, 3], [91, 3], [92, 2], [93, 2], [94, 1], [95, 1], [96, 0], [100, 0]] as Row[],
  spo2Scale2: [
    [70, 3, 3], [83, 3, 3], [84, 2, 2], [85, 2, 2], [86, 1, 1], [87, 1, 1], [88, 0, 0], [92, 0, 0],
    [93, 0, 1], [94, 0, 1], [95, 0, 2], [96, 0, 2], [97, 0, 3], [100, 0, 3],
  ] as [number, number, number][],
  systolicBP: [[60, 3], [90, 3], [91, 2], [100, 2], [101, 1], [110, 1], [111, 0], [219, 0], [220, 3], [260, 3]] as Row[],
  pulse: [
    [0, 3], [40, 3], [41, 1], [50, 1], [51, 0], [90, 0], [91, 1], [110, 1], [111, 2], [130, 2], [131, 3], [200, 3],
  ] as Row[],
  temperature: [
    [30.0, 3], [35.0, 3], [35.1, 1], [36.0, 1], [36.1, 0], [38.0, 0], [38.1, 1], [39.0, 1], [39.1, 2], [42.0, 2],
  ] as Row[],
};

describe('NEWS2 chart bands (RCP 2017, Chart 1)', () => {
  it.each(CHART.respiratoryRate)('respiration rate %d/min scores %d', (v, score) => {
    expect(subScore('respiratoryRate', [rr(v)])).toBe(score);
  });

  it.each(CHART.spo2Scale1)(
    'SpO2 scale 1: %d %% scores %d, on air and on oxygen alike',
    (v, score) => {
      expect(subScore('spo2', [spo2(v), oxygen(false)])).toBe(score);
      expect(subScore('spo2', [spo2(v), oxygen(true)])).toBe(score);
    },
  );

  it.each(CHART.spo2Scale2)(
    'SpO2 scale 2: %d %% scores %d on air, %d on oxygen',
    (v, onAir, onOxygen) => {
      expect(subScore('spo2', [spo2(v), oxygen(false)], 2)).toBe(onAir);
      expect(subScore('spo2', [spo2(v), oxygen(true)], 2)).toBe(onOxygen);
    },
  );

  it('air or oxygen: oxygen scores 2, air 0', () => {
    expect(subScore('airOrOxygen', [oxygen(true)])).toBe(2);
    expect(subScore('airOrOxygen', [oxygen(false)])).toBe(0);
    const { airOrOxygen } = assessNews2([oxygen(true)], { spo2Scale: 1 }).parameters;
    expect(airOrOxygen?.value).toBe('oxygen');
  });

  it.each(CHART.systolicBP)('systolic BP %d mmHg scores %d', (v, score) => {
    expect(subScore('systolicBP', [bp(v, 50)])).toBe(score);
  });

  it.each(CHART.pulse)('pulse %d/min scores %d', (v, score) => {
    expect(subScore('pulse', [pulse(v)])).toBe(score);
  });

  it.each(CHART.temperature)('temperature %d °C scores %d', (v, score) => {
    expect(subScore('temperature', [temp(v)])).toBe(score);
  });

  it.each([
    ['A', 0],
    ['C', 3],
    ['V', 3],
    ['P', 3],
    ['U', 3],
  ] as const)('consciousness %s scores %d', (v, score) => {
    expect(subScore('consciousness', [acvpu(v)])).toBe(score);
  });
});

describe('values are charted before scoring, rounded half up', () => {
  it.each([
    ['respiratoryRate', rr(8.5), 9, 1],
    ['respiratoryRate', rr(8.49), 8, 3],
    ['respiratoryRate', rr(20.5), 21, 2],
    ['spo2', spo2(91.5), 92, 2],
    ['spo2', spo2(95.5), 96, 0],
    ['spo2', spo2(95.49), 95, 1],
    ['systolicBP', bp(90.5), 91, 2],
    ['systolicBP', bp(219.5), 220, 3],
    ['pulse', pulse(40.5), 41, 1],
    ['pulse', pulse(130.5), 131, 3],
    ['pulse', pulse(50.4), 50, 1],
    ['temperature', temp(35.05), 35.1, 1],
    ['temperature', temp(35.04), 35.0, 3],
    ['temperature', temp(36.05), 36.1, 0],
    ['temperature', temp(38.05), 38.1, 1],
    ['temperature', temp(39.05), 39.1, 2],
  ] as const)('%s %o is charted as %d and scores %d', (param, reading, charted, score) => {
    const p = assessNews2([reading], { spo2Scale: 1 }).parameters[param];
    expect(p?.value).toBe(charted);
    expect(p?.score).toBe(score);
  });
});

describe('aggregate score and clinical risk (RCP 2017, Chart 2)', () => {
  const assess = (...over: Reading[]) => assessNews2(normalSet(...over), { spo2Scale: 1 });

  it('a full normal set scores 0, low, complete', () => {
    const a = assess();
    expect(a).toMatchObject({ score: 0, cl: 'low', redScore: false, incomplete: false });
    expect(a.missing).toEqual([]);
  });

  it.each([
    // [readings, aggregate, red score, CL]
    [[rr(21), pulse(91), temp(38.1)], 4, false, 'low'],
    [[rr(21), pulse(111), temp(38.1)], 5, false, 'medium'],
    [[rr(21), pulse(111), temp(39.1)], 6, false, 'medium'],
    [[rr(21), pulse(111), temp(39.1), bp(101)], 7, false, 'high'],
    [[acvpu('V')], 3, true, 'low-medium'],
    [[acvpu('V'), pulse(91)], 4, true, 'low-medium'],
    [[acvpu('V'), rr(21)], 5, true, 'medium'],
    [[acvpu('V'), rr(21), pulse(91)], 6, true, 'medium'],
    [[acvpu('V'), rr(21), pulse(111)], 7, true, 'high'],
    [[spo2(91), oxygen(true), rr(25), pulse(131), bp(90), acvpu('U'), temp(35)], 20, true, 'high'],
  ] as const)('%o → aggregate %d, red %s, CL %s', (over, score, redScore, cl) => {
    expect(assess(...over)).toMatchObject({ score, redScore, cl });
  });

  it('sums every parameter, oxygen included', () => {
    // 1 + 2 + 2 + 1 + 1 + 0 + 1 = 8
    const a = assess(rr(10), spo2(93), oxygen(true), bp(105), pulse(100), temp(35.5));
    expect(a.score).toBe(8);
    expect(a.cl).toBe('high');
  });
});

describe('partial sets', () => {
  it('scores what is present and lists the rest, in chart order', () => {
    const a = assessNews2([temp(39.5), pulse(120)], { spo2Scale: 1 });
    expect(a.score).toBe(4);
    expect(a.incomplete).toBe(true);
    expect(a.missing).toEqual([
      'respiratoryRate',
      'spo2',
      'airOrOxygen',
      'systolicBP',
      'consciousness',
    ]);
    expect(a.cl).toBe('low');
  });

  it('no readings: score 0, everything missing', () => {
    const a = assessNews2([], { spo2Scale: 1 });
    expect(a).toMatchObject({ score: 0, cl: 'low', incomplete: true });
    expect(a.missing).toEqual([...NEWS2_PARAMETERS]);
  });

  it('a partial set can still reach high', () => {
    expect(assessNews2([rr(30), pulse(140), acvpu('P')], { spo2Scale: 1 }).cl).toBe('high');
  });

  it('scale 2 without an oxygen reading scores SpO2 as on air (the lower bound)', () => {
    const a = assessNews2([spo2(97)], { spo2Scale: 2 });
    expect(a.parameters.spo2?.score).toBe(0);
    expect(a.missing).toContain('airOrOxygen');
    expect(a.spo2Scale).toBe(2);
  });
});

describe('which readings count', () => {
  it('leaves out readings the device flags as artefacts, and lists them', () => {
    const flagged: Reading = { ...spo2(80), artefact: true };
    const a = assessNews2([pulse(70), flagged], { spo2Scale: 1 });
    expect(a.parameters.spo2).toBeUndefined();
    expect(a.missing).toContain('spo2');
    expect(a.excluded).toEqual([
      { reading: 1, device: 'thing-1', at: AT, metric: 'spo2', reason: 'artefact' },
    ]);
    expect(a.score).toBe(0);
  });

  it.each([
    ['SpO2 above 100 %', spo2(101)],
    ['SpO2 below 0 %', spo2(-1)],
    ['temperature below 25 °C', temp(24.9)],
    ['temperature above 45 °C', temp(45.1)],
    ['negative pulse', pulse(-1)],
    ['pulse above 300/min', pulse(301)],
    ['negative respiration rate', rr(-2)],
    ['respiration rate above 100/min', rr(101)],
    ['systolic below 30 mmHg', bp(29, 20)],
    ['systolic above 300 mmHg', bp(301, 100)],
    ['diastolic not below systolic', bp(100, 100)],
    ['diastolic below 10 mmHg', bp(100, 9)],
    ['negative oxygen flow', oxygen(true, -1)],
    ['oxygen flow above 80 L/min', oxygen(true, 81)],
    ['NaN', pulse(Number.NaN)],
    ['Infinity', temp(Number.POSITIVE_INFINITY)],
    [
      'a value that is not a number',
      { ...dev, metric: 'pulse', value: '70' } as unknown as Reading,
    ],
    ['an unknown ACVPU level', acvpu('X' as Acvpu)],
  ])('treats %s as an artefact, never a score', (_what, reading) => {
    const a = assessNews2([reading], { spo2Scale: 1 });
    expect(a.score).toBe(0);
    expect(Object.keys(a.parameters)).toEqual([]);
    expect(a.excluded).toEqual([expect.objectContaining({ reading: 0, reason: 'implausible' })]);
  });

  it.each([
    ['SpO2 0 %', spo2(0), 'spo2', 3],
    ['SpO2 100 %', spo2(100), 'spo2', 0],
    ['temperature 25.0 °C', temp(25), 'temperature', 3],
    ['temperature 45.0 °C', temp(45), 'temperature', 2],
    ['pulse 0 (asystole)', pulse(0), 'pulse', 3],
    ['respiration rate 0 (apnoea)', rr(0), 'respiratoryRate', 3],
    ['systolic 30 mmHg', bp(30, 10), 'systolicBP', 3],
  ] as const)('scores an extreme but possible %s', (_what, reading, param, score) => {
    expect(subScore(param, [reading])).toBe(score);
  });

  it('oxygen off is scored whatever flow the device sent', () => {
    expect(subScore('airOrOxygen', [oxygen(false, -5)])).toBe(0);
  });

  it('uses the latest reading of a metric by time, whatever the offsets', () => {
    const readings: Reading[] = [
      { ...pulse(140), at: '2025-03-01T09:30:00Z' },
      { ...pulse(70), at: '2025-03-01T11:00:00+02:00' }, // 09:00Z: earlier
    ];
    const a = assessNews2(readings, { spo2Scale: 1 });
    expect(a.parameters.pulse).toMatchObject({ value: 140, score: 3, reading: 0 });
  });

  it('on a tie in time, the later in the list counts', () => {
    const a = assessNews2([pulse(140), pulse(70)], { spo2Scale: 1 });
    expect(a.parameters.pulse).toMatchObject({ value: 70, reading: 1 });
  });

  it('a flagged latest reading leaves the earlier valid one in charge', () => {
    const readings: Reading[] = [
      { ...pulse(120), at: '2025-03-01T09:00:00Z' },
      { ...pulse(40), at: '2025-03-01T09:05:00Z', artefact: true },
    ];
    const a = assessNews2(readings, { spo2Scale: 1 });
    expect(a.parameters.pulse).toMatchObject({ value: 120, score: 2, reading: 0 });
    expect(a.excluded).toHaveLength(1);
  });

  it('reports device problems without scoring them', () => {
    const readings: Reading[] = [
      { ...dev, metric: 'deviceStatus', status: 'probe-off' },
      { ...dev, device: 'cuff-1', metric: 'deviceStatus', status: 'low-battery', battery: 7 },
      { ...dev, metric: 'deviceStatus', status: 'error' },
      { ...dev, metric: 'deviceStatus', status: 'ok', battery: 90 },
      pulse(70),
    ];
    const a = assessNews2(readings, { spo2Scale: 1 });
    expect(a.deviceProblems).toEqual([
      { reading: 0, device: 'thing-1', at: AT, status: 'probe-off' },
      { reading: 1, device: 'cuff-1', at: AT, status: 'low-battery', battery: 7 },
      { reading: 2, device: 'thing-1', at: AT, status: 'error' },
    ]);
    expect(a.score).toBe(0);
    expect(a.excluded).toEqual([]);
  });

  it('traces each scored value to its reading', () => {
    const a = assessNews2(normalSet(), { spo2Scale: 1 });
    expect(a.parameters.systolicBP).toEqual({
      reading: 3,
      device: 'thing-1',
      at: AT,
      value: 120,
      score: 0,
    });
    expect(a.parameters.consciousness).toMatchObject({ value: 'A', reading: 5 });
  });
});
