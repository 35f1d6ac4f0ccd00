import { Rsc, TutelaError } from '../../core/errors.js';
import type { Reading } from '../../protocol/reading.js';
import type { ConsumedThing } from './consumer.js';
import { READING_PROPERTIES, toReadings, unitMismatch } from './readings.js';

export interface CollectOptions {
  now?: () => Date;
  /** Told about each property that could not be read; the tick goes on without it. */
  onError?: (thing: ConsumedThing, property: string, err: unknown) => void;
}

/** A device id in the reading format's alphabet (src/protocol/reading-schema.ts). */
const DEVICE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * How the gateway names a Thing in its readings: the last segment of the TD
 * id (urn:tutela:thing:<patient>:<device> gives "<device>"), so the patient
 * id is not repeated in every reading.
 */
export function deviceOf(thing: ConsumedThing): string {
  const last = thing.name.split(':').pop() ?? '';
  if (!DEVICE_ID.test(last))
    throw new TutelaError(
      'td_invalid',
      Rsc.BAD_REQUEST,
      `cannot name a device after "${thing.name}"`,
    );
  return last;
}

/**
 * One gateway tick: reads every reading-bearing property of the patient's
 * Things (as their TDs describe them) and turns the values into readings.
 * A property that cannot be read, or whose TD unit is not the one the
 * reading format assumes, is left out and its device reported with status
 * 'error', so one faulty device never silences the others.
 */
export async function collectReadings(
  things: ConsumedThing[],
  opts: CollectOptions = {},
): Promise<Reading[]> {
  const now = opts.now ?? (() => new Date());
  const perThing = await Promise.all(
    things.map(async (thing) => {
      const device = deviceOf(thing);
      const names = Object.keys(thing.td.properties ?? {}).filter((p) =>
        READING_PROPERTIES.includes(p),
      );
      let failed = false;
      const read = await Promise.all(
        names.map(async (property) => {
          try {
            const mismatch = unitMismatch(thing.td, property);
            if (mismatch) throw new TutelaError('thing_wrong_unit', Rsc.BAD_REQUEST, mismatch);
            return toReadings(device, property, await thing.readProperty(property), now());
          } catch (err) {
            failed = true;
            opts.onError?.(thing, property, err);
            return [];
          }
        }),
      );
      const error: Reading[] = failed
        ? [{ device, at: now().toISOString(), metric: 'deviceStatus', status: 'error' }]
        : [];
      return [...read.flat(), ...error];
    }),
  );
  return perThing.flat();
}
