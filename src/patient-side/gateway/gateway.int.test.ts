import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { databaseTargets } from '../../core/db/testing.js';
import { silentLogger } from '../../core/log.js';
import { M2MClient, Ty } from '../../core/m2m/index.js';
import { generateKeyPair, openReading, type HpkeKeyPair } from '../../crypto/hpke.js';
import type { SealedReading } from '../../protocol/envelope.js';
import type { ReadingBatch } from '../../protocol/reading.js';
import { startTestPlatform, type TestPlatform } from '../../../test/support/platform.js';
import { startToggleProxy, type ToggleProxy } from '../../../test/support/toggle-proxy.js';
import { loadOrCreateKeyFile } from '../../crypto/key-file.js';
import { Gateway } from './gateway.js';
import { Spool } from './spool.js';

const INBOX = '/cse-in/app/pt-1/inbox';

describe.each(databaseTargets())('patient gateway ($name)', (target) => {
  let platform: TestPlatform;
  let proxy: ToggleProxy;
  let dir: string;
  let app: HpkeKeyPair;
  let admin: M2MClient;
  const clients: M2MClient[] = [];

  beforeEach(async () => {
    platform = await startTestPlatform(target, { cse: { adminOriginator: 'CAdmin' } });
    proxy = await startToggleProxy(platform.url);
    dir = mkdtempSync(join(tmpdir(), 'tutela-gw-'));
    app = (await generateKeyPair()).pair;
    admin = new M2MClient({ baseUrl: platform.url, origin: 'CAdmin' });
    clients.push(admin);
    await admin.registerAe('/cse-in', 'app');
    await admin.ensure('/cse-in/app', Ty.CONTAINER, 'm2m:cnt', { rn: 'pt-1' });
    // An ACP lives under the AE (TS-0001 §9.6.2.1: a container cannot hold one).
    const acp = await admin.ensure('/cse-in/app', Ty.ACP, 'm2m:acp', {
      rn: 'pt-1-inbox-acp',
      pv: { acr: [{ acor: ['Cgw1'], acop: 1 }] },
      pvs: { acr: [{ acor: ['CAdmin'], acop: 63 }] },
    });
    await admin.ensure('/cse-in/app/pt-1', Ty.CONTAINER, 'm2m:cnt', {
      rn: 'inbox',
      acpi: [acp],
    });
  });

  afterEach(async () => {
    for (const c of clients.splice(0)) await c.close();
    await proxy.close();
    await platform.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  async function gatewayAt(deviceKey: HpkeKeyPair, counter: { n: number }) {
    const cse = new M2MClient({ baseUrl: proxy.url, origin: 'Cgw1', timeoutMs: 2000 });
    clients.push(cse);
    return new Gateway({
      patient: 'pt-1',
      deviceId: 'gw1',
      deviceKey,
      appKey: { kid: 'app-1', publicKey: app.publicKey },
      cse,
      inbox: INBOX,
      spool: new Spool(dir),
      source: async () => ({
        readings: [
          { device: 'ox', metric: 'pulse', at: new Date().toISOString(), value: 60 + counter.n++ },
        ],
      }),
      tickMs: 60_000,
      log: silentLogger,
      maxBackoffMs: 50,
    });
  }

  /** Every reading in the inbox, opened with the application server's key: their seqs and pulses. */
  async function inboxContents(deviceKey: HpkeKeyPair) {
    const body = await admin.retrieve(INBOX, { rcn: 4 });
    const cins = ((body['m2m:cnt'] as Record<string, unknown>)['m2m:cin'] ?? []) as Array<{
      con: string;
    }>;
    const out: Array<{ seq: number; pulse: number }> = [];
    for (const cin of cins) {
      const sealed = JSON.parse(cin.con) as SealedReading;
      const batch = JSON.parse(
        new TextDecoder().decode(await openReading(sealed, app, deviceKey.publicKey)),
      ) as ReadingBatch;
      const r = batch.readings[0]!;
      out.push({ seq: batch.seq, pulse: r.metric === 'pulse' ? r.value : NaN });
    }
    return out.sort((a, b) => a.seq - b.seq);
  }

  it('spools while the service layer is unreachable and delivers every reading once, in order', async () => {
    const key = await loadOrCreateKeyFile(join(dir, 'device.key'));
    const counter = { n: 0 };
    const gw = await gatewayAt(key, counter);
    await gw.tick();
    await gw.tick();
    proxy.down();
    for (let i = 0; i < 5; i++) await gw.tick();
    expect(gw.backlog).toBe(5);
    // What waits on disk is sealed: no pulse value in clear.
    for (const f of readdirSync(join(dir, 'spool')))
      expect(readFileSync(join(dir, 'spool', f), 'utf8')).not.toMatch(/pulse|"value"/);

    // A restarted gateway (new process) finds the spool and does not reuse a sequence number.
    await gw.stop();
    proxy.up();
    const again = await gatewayAt(key, counter);
    await again.tick();
    await again.flush();
    expect(again.backlog).toBe(0);
    const got = await inboxContents(key);
    expect(got.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(got.map((r) => r.pulse)).toEqual([60, 61, 62, 63, 64, 65, 66, 67]);
    await again.stop();
  });

  it('does not store a reading twice when a create succeeded but its answer was lost', async () => {
    const key = await loadOrCreateKeyFile(join(dir, 'device.key'));
    const gw = await gatewayAt(key, { n: 0 });
    proxy.down();
    await gw.tick();
    proxy.up();
    // The create reaches the CSE, but the gateway never heard back.
    const spool = new Spool(dir);
    const sealed = spool.oldest()!;
    const direct = new M2MClient({ baseUrl: platform.url, origin: 'Cgw1' });
    clients.push(direct);
    await direct.createInstance(INBOX, JSON.stringify(sealed), { rn: `r${sealed.seq}` });
    await gw.flush();
    expect(gw.backlog).toBe(0);
    expect((await inboxContents(key)).map((r) => r.seq)).toEqual([1]);
    await gw.stop();
  });

  it('refuses a device key file others can read', async () => {
    const file = join(dir, 'device.key');
    await loadOrCreateKeyFile(file);
    const { chmodSync } = await import('node:fs');
    chmodSync(file, 0o644);
    await expect(loadOrCreateKeyFile(file)).rejects.toMatchObject({ code: 'key_file_exposed' });
  });
});
