import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../core/log.js';
import {
  deviceOf,
  SimulatedPatient,
  startThingServer,
  ThingConsumer,
  type ThingServer,
} from '../things/index.js';
import { observeChanges, type Watch } from './observe.js';

describe('observing a Thing property from the gateway', () => {
  let server: ThingServer;
  let consumer: ThingConsumer;
  let watch: Watch | undefined;

  afterEach(async () => {
    await watch?.close();
    await consumer.close();
    await server.close();
  });

  it("reports a carer's new consciousness entry as it happens, not at the next tick", async () => {
    const token = randomBytes(24).toString('base64url');
    server = await startThingServer({
      patients: [{ token, simulation: new SimulatedPatient({ patient: 'pt-o', faults: false }) }],
      allowInsecureHttp: true,
      observeIntervalMs: 20,
    });
    consumer = new ThingConsumer({ token, allowInsecureHttp: true });
    const things = await consumer.discover(`${server.url}/things`);
    const entry = things.find((t) => deviceOf(t) === 'consciousness')!;
    expect(entry).toBeDefined();
    const seen: unknown[] = [];
    watch = observeChanges(entry, 'acvpu', (v) => seen.push(v), silentLogger);
    await new Promise((r) => setTimeout(r, 150));
    expect(seen).toEqual([]); // the value at subscription time is not a change
    await entry.writeProperty('acvpu', { value: 'C' });
    for (let i = 0; i < 100 && seen.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ value: 'C' });
  });
});
