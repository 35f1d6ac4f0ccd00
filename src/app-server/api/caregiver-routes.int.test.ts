import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseTargets } from '../../core/db/testing.js';
import { toBase64url } from '../../crypto/encoding.js';
import { generateKeyPair, unwrapKey, type HpkeKeyPair } from '../../crypto/hpke.js';
import type { WrappedKey } from '../../protocol/envelope.js';
import { startTestPlatform, type TestPlatform } from '../../../test/support/platform.js';
import type { AppServer } from '../app-server.js';

describe.each(databaseTargets())(
  'caregiver API: authentication and key release ($name)',
  (target) => {
    let platform: TestPlatform;
    let app: AppServer;
    const token: Record<string, string> = {};
    const device: Record<string, { id: string; key: HpkeKeyPair }> = {};

    const call = async (who: string | null, method: string, path: string, body?: unknown) => {
      const res = await fetch(`${platform.url}${path}`, {
        method,
        headers: {
          ...(who ? { authorization: `Bearer ${token[who] ?? who}` } : {}),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return {
        status: res.status,
        headers: res.headers,
        body: (await res.json()) as Record<string, unknown>,
      };
    };

    beforeAll(async () => {
      platform = await startTestPlatform(target, { app: { enabled: true } });
      app = platform.appServer!;
      for (const [id, role] of [
        ['doc', 'doctor'],
        ['nur', 'nurse'],
        ['out', 'nurse'],
      ] as const)
        token[id] = await app.directory.addUser(id, role);
      const gw = await generateKeyPair();
      await app.provision({
        pt: 'pt-1',
        gateway: { dev: 'gw1', publicKey: gw.pair.publicRaw },
        team: ['doc', 'nur'],
      });
      for (const id of ['doc', 'nur', 'out']) {
        const key = (await generateKeyPair()).pair;
        const res = await call(id, 'POST', '/app/devices', {
          publicKey: toBase64url(key.publicRaw),
        });
        expect(res.status).toBe(201);
        device[id] = { id: res.body.device as string, key };
      }
    });

    afterAll(async () => {
      await platform.destroy();
    });

    it('refuses calls without a valid bearer token (401, WWW-Authenticate)', async () => {
      for (const who of [null, 'not-a-token-of-anyone-at-all', `${'x'.repeat(40)}`]) {
        const res = await call(who, 'GET', '/app/me');
        expect(res.status).toBe(401);
        expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
        expect(res.body.error).toBe('unauthenticated');
      }
    });

    it('tells people who they are and where their version lives', async () => {
      const res = await call('nur', 'GET', '/app/me');
      expect(res.body).toMatchObject({
        id: 'nur',
        al: 'N',
        ae: 'Cnur',
        patients: [
          {
            pt: 'pt-1',
            versions: '/cse-in/tutela/pt-1/rl-N',
            alerts: '/cse-in/tutela/pt-1/alert-N',
          },
        ],
      });
      expect((await call('out', 'GET', '/app/me')).body.patients).toEqual([]);
    });

    it('refuses a device key that is not an X25519 public key', async () => {
      for (const publicKey of ['short', 'A'.repeat(44), 42])
        expect((await call('nur', 'POST', '/app/devices', { publicKey })).status).toBe(400);
    });

    it('releases a data key only to a member, up to their AL, wrapped to their own device', async () => {
      const ask = (who: string, rl: string, dev = device[who]!.id, pt = 'pt-1') =>
        call(who, 'POST', '/app/keys', { pt, rl, epoch: 1, device: dev });

      const ok = await ask('nur', 'N');
      expect(ok.status).toBe(200);
      const wrapped = ok.body as unknown as WrappedKey;
      expect(wrapped).toMatchObject({
        typ: 'tutela.key',
        pt: 'pt-1',
        rl: 'N',
        epoch: 1,
        device: device.nur!.id,
      });
      const key = await unwrapKey(wrapped, device.nur!.key);
      expect(key).toHaveLength(32);
      // The same key is the keyring's data key for (pt-1, N, 1), and useless to another device.
      expect(Buffer.from(key)).toEqual(
        Buffer.from((await app.keyring.dataKeyAt('pt-1', 'N', 1)).key),
      );
      await expect(unwrapKey(wrapped, device.doc!.key)).rejects.toMatchObject({
        code: 'hpke_open_failed',
      });

      expect(await ask('nur', 'L').then((r) => r.status)).toBe(200); // below one's AL: allowed
      const refusals: Array<
        [Promise<{ status: number; body: Record<string, unknown> }>, number, string]
      > = [
        [ask('nur', 'R'), 403, 'level_not_allowed'],
        [ask('nur', 'V'), 403, 'level_not_allowed'],
        [ask('out', 'N'), 403, 'not_in_episode'],
        [ask('nur', 'N', device.doc!.id), 403, 'unknown_device'],
        [ask('nur', 'N', 'dev-nonexistent'), 403, 'unknown_device'],
        [ask('doc', 'N', device.doc!.id, 'pt-404'), 403, 'not_in_episode'],
      ];
      for (const [res, status, error] of refusals)
        expect(await res).toMatchObject({ status, body: { error } });
      expect(await ask('doc', 'R').then((r) => r.status)).toBe(200);
      expect(
        (
          await call('nur', 'POST', '/app/keys', {
            pt: 'pt-1',
            rl: 'N',
            epoch: 99,
            device: device.nur!.id,
          })
        ).status,
      ).toBe(404);
      expect(
        (
          await call('nur', 'POST', '/app/keys', {
            pt: 'pt-1',
            rl: 'X',
            epoch: 1,
            device: device.nur!.id,
          })
        ).status,
      ).toBe(400);

      // Every release and refusal is in the audit trail, with no key material.
      const audit = (await app.audit.recent(100, 'pt-1')).filter((e) => e.action === 'key.release');
      expect(audit.filter((e) => e.outcome === 'ok').length).toBeGreaterThanOrEqual(3);
      expect(audit.filter((e) => e.outcome === 'refused').length).toBeGreaterThanOrEqual(4);
      expect(JSON.stringify(audit)).not.toContain(wrapped.ct);
    });

    it('stops releasing keys once a device is revoked or the patient is shredded', async () => {
      await app.directory.revokeDevice('doc', device.doc!.id);
      const revoked = await call('doc', 'POST', '/app/keys', {
        pt: 'pt-1',
        rl: 'R',
        epoch: 1,
        device: device.doc!.id,
      });
      expect(revoked).toMatchObject({ status: 403, body: { error: 'unknown_device' } });
      await app.keyring.shred('pt-1');
      const shredded = await call('nur', 'POST', '/app/keys', {
        pt: 'pt-1',
        rl: 'N',
        epoch: 1,
        device: device.nur!.id,
      });
      expect(shredded).toMatchObject({ status: 404, body: { error: 'patient_shredded' } });
    });

    it('subscribes only members, to the container of their own AL', async () => {
      expect(
        (await call('out', 'POST', '/app/subscriptions', { pt: 'pt-1', kind: 'all' })).status,
      ).toBe(403);
      expect(
        (await call('nur', 'POST', '/app/subscriptions', { pt: 'pt-1', kind: 'sometimes' })).status,
      ).toBe(400);
    });
  },
);
