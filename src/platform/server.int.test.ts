import https from 'node:https';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../../test/support/platform.js';
import { m2mClient } from '../../test/support/m2m-client.js';
import { loadConfig } from '../core/config/index.js';
import { silentLogger } from '../core/log.js';
import { startPlatform } from './server.js';

/** GET over HTTPS trusting only `ca`. */
function getTls(url: string, ca?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    https
      .get(url, ca ? { ca } : {}, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

describe('the embedded platform', () => {
  let platform: TestPlatform | undefined;
  afterEach(async () => {
    await platform?.destroy();
    platform = undefined;
  });

  it('serves HTTPS by default with a local CA made on first start, and /healthz', async () => {
    platform = await startTestPlatform({ name: 'sqlite' }, { tls: { enabled: true } });
    expect(platform.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(platform.caFile).toBe(`${platform.dataDir}/tls/ca.pem`);
    const health = await getTls(`${platform.url}/healthz`, platform.ca);
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body)).toEqual({ status: 'ok', cse: '/id-in', database: 'sqlite' });
    // A client that does not trust the local CA is refused.
    await expect(getTls(`${platform.url}/healthz`)).rejects.toThrow(/certificate/);
  });

  it('runs without TLS only when told to, with the CSE-ID and name configured', async () => {
    platform = await startTestPlatform(
      { name: 'sqlite' },
      { cse: { cseId: '/ward-7', rn: 'ward' } },
    );
    expect(platform.url).toMatch(/^http:\/\//);
    const m2m = m2mClient(platform.url);
    const ae = { 'm2m:ae': { rn: 'gw', api: 'Ngw', rr: true, srv: ['3'] } };
    const created = await m2m.request('POST', '/ward', { ty: 2, origin: 'CGw', body: ae });
    expect(created.headers.get('content-location')).toBe('/ward/gw');
    const viaSp = await m2m.get('/~/ward-7/ward/gw', 'CGw');
    expect(viaSp.body['m2m:ae'].ri).toBe('CGw');
    expect((await m2m.get('/ward-7', 'CGw')).body['m2m:cb']).toMatchObject({
      ri: 'ward-7',
      rn: 'ward',
      csi: '/ward-7',
    });
    expect((await m2m.get('/cse-in/gw', 'CGw')).rsc).toBe(4004);
  });

  it('refuses a data directory made for another CSE, and leaves nothing open', async () => {
    platform = await startTestPlatform({ name: 'sqlite' });
    await platform.close();
    const other = loadConfig(
      {},
      {
        dataDir: platform.dataDir,
        port: 0,
        logLevel: 'silent',
        tls: { enabled: false },
        cse: { cseId: '/id-x', rn: 'other' },
      },
    );
    await expect(startPlatform(other, silentLogger)).rejects.toThrow(
      /belongs to CSE \/id-in named "cse-in", not \/id-x named "other"/,
    );
    // The same directory still starts with its own identity.
    const again = await startPlatform(
      loadConfig(
        {},
        { dataDir: platform.dataDir, port: 0, logLevel: 'silent', tls: { enabled: false } },
      ),
      silentLogger,
    );
    expect(await (await fetch(`${again.url}/healthz`)).json()).toMatchObject({
      status: 'ok',
      cse: '/id-in',
    });
    await again.close();
  });
});
