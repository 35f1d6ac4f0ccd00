import { afterAll, describe, expect, it } from 'vitest';
import { databaseTargets } from '../core/db/testing.js';
import { M2MClient } from '../core/m2m/index.js';
import { generateKeyPair, sealReading } from '../crypto/hpke.js';
import { startTestPlatform, type TestPlatform } from '../../test/support/platform.js';
import type { AppServer } from './app-server.js';
import { gatewayAe, patientPaths } from './layout/patient-layout.js';

const PT = 'pt-r';
const DEV = 'gw-r';

async function until(what: string, cond: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting until ${what}`);
}

/**
 * The CSE's delivery of a reading is answered once the reading is assessed,
 * before it is published (docs/pipeline.md): the inbox, not the CSE's
 * outbox, holds it until then. So a reading whose delivery was answered
 * must survive a stop of the application server: the next start finds it
 * in the inbox and publishes it, once.
 */
describe.each(databaseTargets())('readings answered but not published ($name)', (target) => {
  let platform: TestPlatform;
  const clients: M2MClient[] = [];

  afterAll(async () => {
    for (const c of clients) await c.close();
    await platform.destroy();
  });

  it('wait in the inbox across a restart and are published by the next start', async () => {
    platform = await startTestPlatform(target, { app: { enabled: true } });
    let app: AppServer = platform.appServer!;
    const device = (await generateKeyPair()).pair;
    const setup = { pt: PT, gateway: { dev: DEV, publicKey: device.publicRaw }, team: [] };
    await app.provision(setup);
    const paths = patientPaths('cse-in', PT);
    const count = async (path: string) =>
      Number(
        ((await app.cseClient.request('GET', path)).body['m2m:cnt'] as { cni?: number })?.cni ?? -1,
      );

    // Publishing cannot succeed while one of the six version containers is missing.
    expect((await app.cseClient.request('DELETE', paths.rl('N'))).rsc).toBe(2002);
    const gw = new M2MClient({ baseUrl: platform.url, origin: gatewayAe(DEV) });
    clients.push(gw);
    const batch = { v: 1, patient: PT, gateway: DEV, seq: 1, at: new Date().toISOString() };
    const sealed = await sealReading(
      new TextEncoder().encode(JSON.stringify({ ...batch, readings: [] })),
      { pt: PT, dev: DEV, seq: 1, kid: app.appKey.kid },
      app.appKey.pair.publicKey,
      device,
    );
    await gw.createInstance(paths.inbox, JSON.stringify(sealed));

    // The CSE's delivery was answered (nothing left for it to retry) although nothing is published.
    const outbox = platform.cse.ctx.db;
    await until('the delivery was answered', async () => {
      const rows = await outbox.selectFrom('notifications').select('status').execute();
      return rows.length > 0 && rows.every((r) => r.status === 'delivered');
    });
    expect(await count(paths.inbox)).toBe(1);

    platform = await platform.restart();
    app = platform.appServer!;
    // The container comes back; the reading, swept from the inbox, goes out on its next try.
    await app.provision(setup);
    await until('the reading was published and left the inbox', async () => {
      return (await count(paths.rl('N'))) === 1 && (await count(paths.inbox)) === 0;
    });
    for (const k of ['U', 'L', 'M', 'R', 'V'] as const) expect(await count(paths.rl(k))).toBe(1);
    expect((await app.audit.recent(20, PT)).filter((e) => e.action === 'reading.reject')).toEqual(
      [],
    );
  });
});
