import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ThingConsumer } from './consumer.js';
import { SimulatedPatient } from './simulated-patient.js';
import { startThingServer } from './thing-server.js';

const token = () => randomBytes(32).toString('base64url');
const until = async (cond: () => boolean, ms = 5_000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('Thing server lifecycle and transport', () => {
  it('refuses plain HTTP unless asked, and then the consumer must be asked too', async () => {
    const simulation = new SimulatedPatient({ patient: 'pt-h' });
    await expect(
      startThingServer({ patients: [{ token: token(), simulation }] }),
    ).rejects.toMatchObject({
      code: 'tls_required',
    });
    await expect(
      startThingServer({ allowInsecureHttp: true, patients: [{ token: 'short', simulation }] }),
    ).rejects.toMatchObject({ code: 'config_invalid' });
    const t = token();
    const server = await startThingServer({
      allowInsecureHttp: true,
      patients: [{ token: t, simulation }],
    });
    const strict = new ThingConsumer({ token: t });
    const lax = new ThingConsumer({ token: t, allowInsecureHttp: true });
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      await expect(strict.discover(`${server.url}/things`)).rejects.toMatchObject({
        code: 'insecure_transport',
      });
      const [ox] = await lax.discover(`${server.url}/things`);
      expect(await ox!.readProperty('status')).toMatchObject({ battery: expect.any(Number) });
    } finally {
      await strict.close();
      await lax.close();
      await server.close();
    }
  });

  it('closes with observations open, ending them, and leaves no handles behind', async () => {
    const handles = () =>
      process.getActiveResourcesInfo().filter((r) => /TCP|TLS|Timeout/.test(r)).length;
    const before = handles();
    const t = token();
    const server = await startThingServer({
      allowInsecureHttp: true,
      observeIntervalMs: 10,
      patients: [
        { token: t, simulation: new SimulatedPatient({ patient: 'pt-c', timeCompression: 60 }) },
      ],
    });
    const consumer = new ThingConsumer({ token: t, allowInsecureHttp: true });
    const [ox] = await consumer.discover(`${server.url}/things`);
    const observations = await Promise.all([
      ox!.observeProperty('pulse'),
      ox!.observeProperty('status'),
    ]);
    const seen: unknown[] = [];
    const loops = observations.map(async (o) => {
      for await (const v of o) seen.push(v);
    });
    await until(() => seen.length >= 4);
    expect(server.openObservations).toBe(2);
    await server.close(); // would hang if the SSE streams kept their connections open
    await Promise.all(loops); // the Thing ended the streams: iteration ends without an error
    expect(server.openObservations).toBe(0);
    await consumer.close();
    await until(() => handles() <= before);
  });
});
