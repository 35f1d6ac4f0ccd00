import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import { ReadingSchema } from '../../protocol/reading-schema.js';
import { collectReadings } from './collect.js';
import type { ConsumedThing } from './consumer.js';
import { THINGS } from './devices.js';
import { READING_PROPERTIES, toReadings, unitMismatch } from './readings.js';
import { describeThing } from './thing-description.js';

const AT = '2025-01-06T08:00:00.000Z';
const READ = new Date('2025-01-06T08:00:05.000Z');
const td = (device: string) =>
  describeThing(
    THINGS.find((t) => t.name === device)!,
    'pt-1',
    'https://127.0.0.1:1',
  );

describe('property values to readings', () => {
  it('maps every reading-bearing property onto the Reading type', () => {
    const cases: [string, string, unknown, unknown[]][] = [
      [
        'oximeter',
        'spo2',
        { value: 97, at: AT },
        [{ device: 'oximeter', at: AT, metric: 'spo2', value: 97 }],
      ],
      ['oximeter', 'spo2', { at: AT }, []], // probe off: no value, the status says why
      [
        'oximeter',
        'pulse',
        { value: 120, at: AT, artefact: true },
        [{ device: 'oximeter', at: AT, artefact: true, metric: 'pulse', value: 120 }],
      ],
      [
        'respiration',
        'respiratoryRate',
        { value: 18, at: AT },
        [{ device: 'respiration', at: AT, metric: 'respiratoryRate', value: 18 }],
      ],
      [
        'thermometer',
        'temperature',
        { value: 37.2, at: AT },
        [{ device: 'thermometer', at: AT, metric: 'temperature', value: 37.2 }],
      ],
      [
        'bp-monitor',
        'bloodPressure',
        { systolic: 120, diastolic: 80, at: AT },
        [{ device: 'bp-monitor', at: AT, metric: 'bloodPressure', systolic: 120, diastolic: 80 }],
      ],
      [
        'oximeter',
        'oxygen',
        { on: true, flowLpm: 2 },
        [
          {
            device: 'oximeter',
            at: READ.toISOString(),
            metric: 'supplementalOxygen',
            on: true,
            flowLpm: 2,
          },
        ],
      ],
      [
        'consciousness',
        'acvpu',
        { value: 'C', at: AT },
        [{ device: 'consciousness', at: AT, metric: 'consciousness', value: 'C' }],
      ],
      [
        'oximeter',
        'status',
        { state: 'probe-off', battery: 40, probe: 'detached' },
        [
          {
            device: 'oximeter',
            at: READ.toISOString(),
            metric: 'deviceStatus',
            status: 'probe-off',
            battery: 40,
          },
        ],
      ],
      ['simulator', 'episodes', [], []],
    ];
    for (const [device, property, value, expected] of cases) {
      const readings = toReadings(device, property, value, READ);
      expect(readings, property).toEqual(expected);
      for (const r of readings) expect(Value.Check(ReadingSchema, r)).toBe(true);
    }
    expect(READING_PROPERTIES).not.toContain('episodes');
  });

  it('refuses a value that breaks the contract, naming the field but not the value', () => {
    expect(() => toReadings('oximeter', 'spo2', { value: 142, at: AT }, READ)).toThrow(
      'spo2 of oximeter does not match its schema at /value',
    );
    expect(() => toReadings('thermometer', 'temperature', { value: 37 }, READ)).toThrow(/at \/at/);
  });

  it('checks the units a TD declares against those readings assume', () => {
    for (const thing of THINGS) {
      const description = describeThing(thing, 'pt-1', 'https://127.0.0.1:1');
      for (const p of Object.keys(description.properties))
        expect(unitMismatch(description, p)).toBeUndefined();
    }
    const fahrenheit = structuredClone(td('thermometer')) as any;
    fahrenheit.properties.temperature.properties.value.unit = '[degF]';
    expect(unitMismatch(fahrenheit, 'temperature')).toBe(
      'temperature.value is in "[degF]", not Cel',
    );
  });

  it('collects one tick, reporting a device that fails instead of dropping the others', async () => {
    const stub = (device: string, read: (p: string) => unknown, mutate = (_: any) => undefined) => {
      const description = structuredClone(td(device)) as any;
      mutate(description);
      return {
        name: description.id,
        td: description,
        readProperty: async (p: string) => read(p),
      } as unknown as ConsumedThing;
    };
    const errors: string[] = [];
    const readings = await collectReadings(
      [
        stub('thermometer', (p) =>
          p === 'temperature' ? { value: 37.1, at: AT } : { state: 'ok', battery: 90 },
        ),
        stub('respiration', () => {
          throw new Error('connection refused');
        }),
        stub(
          'bp-monitor',
          (p) => (p === 'status' ? { state: 'ok', battery: 50 } : {}),
          (d) => {
            d.properties.bloodPressure.properties.systolic.unit = 'kPa';
          },
        ),
      ],
      { now: () => READ, onError: (_t, p, err) => errors.push(`${p}: ${(err as Error).message}`) },
    );
    expect(readings).toEqual([
      { device: 'thermometer', at: AT, metric: 'temperature', value: 37.1 },
      {
        device: 'thermometer',
        at: READ.toISOString(),
        metric: 'deviceStatus',
        status: 'ok',
        battery: 90,
      },
      { device: 'respiration', at: READ.toISOString(), metric: 'deviceStatus', status: 'error' },
      // The cuff's own status still comes through; the gateway adds that it could not use it all.
      {
        device: 'bp-monitor',
        at: READ.toISOString(),
        metric: 'deviceStatus',
        status: 'ok',
        battery: 50,
      },
      { device: 'bp-monitor', at: READ.toISOString(), metric: 'deviceStatus', status: 'error' },
    ]);
    expect(errors.sort()).toEqual([
      'bloodPressure: bloodPressure.systolic is in "kPa", not mm[Hg]',
      'respiratoryRate: connection refused',
      'status: connection refused',
    ]);
  });
});
