import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../../../test/support/platform.js';
import { M2MClient, Ty } from './client.js';

/** M2MClient.upsert against the real CSE (an ACP, as the application server keeps them). */
describe('M2MClient.upsert', () => {
  let platform: TestPlatform;
  let client: M2MClient;
  const acp = (readers: string[]) => ({
    rn: 'acp-x',
    pv: { acr: [{ acor: ['CUpsert', ...readers], acop: 63 }] },
    pvs: { acr: [{ acor: ['CUpsert'], acop: 63 }] },
  });

  beforeAll(async () => {
    platform = await startTestPlatform({ name: 'sqlite' });
    client = new M2MClient({ baseUrl: platform.url, origin: 'CUpsert' });
    await client.registerAe('/cse-in', 'upsert', []);
  });
  afterAll(() => platform.destroy());

  it('creates what is missing, then updates it in one request, keeping its resource id', async () => {
    const ri = await client.upsert('/cse-in/upsert', Ty.ACP, 'm2m:acp', acp(['CReader1']));
    const requests = vi.spyOn(client, 'request');
    const again = await client.upsert('/cse-in/upsert', Ty.ACP, 'm2m:acp', acp(['CReader2']));
    // An existing resource is updated straight away: no create for the CSE to refuse.
    expect(requests.mock.calls.map((c) => c[0])).toEqual(['PUT']);
    requests.mockRestore();
    expect(again).toBe(ri);
    const stored = await client.retrieve('/cse-in/upsert/acp-x');
    expect(stored['m2m:acp']).toMatchObject({
      ri,
      pv: { acr: [{ acor: ['CUpsert', 'CReader2'], acop: 63 }] },
    });
  });
});
