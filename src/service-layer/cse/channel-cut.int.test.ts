import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { databaseTargets } from '../../core/db/testing.js';
import { m2mClient } from '../../../test/support/m2m-client.js';
import { startTestPlatform, type TestPlatform } from '../../../test/support/platform.js';

/** An AE's notification channel, and how it ended. */
async function channel(base: string, ae: string) {
  const ws = new WebSocket(`${base.replace('http', 'ws')}/ws?ae=${ae}`, 'oneM2M.json');
  let closed: number | undefined;
  ws.on('close', (code) => (closed = code));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return { closed: () => closed, close: () => ws.terminate() };
}

const until = async (cond: () => boolean) => {
  for (let i = 0; i < 150 && !cond(); i++) await new Promise((r) => setTimeout(r, 20));
};

describe.each(databaseTargets())(
  'the CSE cuts channels whose access a policy withdrew ($name)',
  (target) => {
    let platform: TestPlatform;
    let m2m: ReturnType<typeof m2mClient>;
    const pv = (acor: string[]) => ({
      acr: [
        { acor: ['COwner'], acop: 63 },
        { acor, acop: 50 },
      ],
    });

    beforeAll(async () => {
      platform = await startTestPlatform(target, { cse: { adminOriginator: 'CAdmin' } });
      m2m = m2mClient(platform.url);
      for (const ae of ['Owner', 'A', 'B', 'C'])
        expect((await m2m.registerAe(`ae-${ae}`, `C${ae}`)).rsc).toBe(2001);
      const acp = await m2m.create(
        '/cse-in/ae-Owner',
        1,
        {
          'm2m:acp': {
            rn: 'acp1',
            pv: pv(['CA', 'CB']),
            pvs: { acr: [{ acor: ['COwner'], acop: 63 }] },
          },
        },
        'COwner',
      );
      expect(acp.rsc).toBe(2001);
    });

    afterAll(async () => {
      await platform.destroy();
    });

    it('closes with 1008 the channel of an AE an ACP update leaves out, and no other', async () => {
      const a = await channel(platform.url, 'CA');
      const b = await channel(platform.url, 'CB');
      const c = await channel(platform.url, 'CC');
      try {
        const res = await m2m.update(
          '/cse-in/ae-Owner/acp1',
          { 'm2m:acp': { pv: pv(['CB', 'CC']) } },
          'COwner',
        );
        expect(res.rsc).toBe(2004);
        await until(() => a.closed() !== undefined);
        expect(a.closed()).toBe(1008);
        await new Promise((r) => setTimeout(r, 100));
        expect(b.closed()).toBeUndefined(); // still admitted
        expect(c.closed()).toBeUndefined(); // newly admitted
        // An update that withdraws nothing cuts nothing.
        await m2m.update('/cse-in/ae-Owner/acp1', { 'm2m:acp': { lbl: ['x'] } }, 'COwner');
        await new Promise((r) => setTimeout(r, 100));
        expect(b.closed()).toBeUndefined();
        // The AE may connect again (its registration stands); the policy decides what it then gets.
        const again = await channel(platform.url, 'CA');
        again.close();
      } finally {
        for (const ch of [a, b, c]) ch.close();
      }
    });
  },
);
