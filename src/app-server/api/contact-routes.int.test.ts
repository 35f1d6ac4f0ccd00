import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseTargets } from '../../core/db/testing.js';
import { startTestPlatform, type TestPlatform } from '../../../test/support/platform.js';
import type { AppServer } from '../app-server.js';

describe.each(databaseTargets())('one’s own contact address ($name)', (target) => {
  let platform: TestPlatform;
  let app: AppServer;
  const token: Record<string, string> = {};

  const call = async (who: string, method: string, body?: unknown) => {
    const res = await fetch(`${platform.url}/app/me/contact`, {
      method,
      headers: {
        ...(who ? { authorization: `Bearer ${token[who] ?? who}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    platform = await startTestPlatform(target, { app: { enabled: true } });
    app = platform.appServer!;
    token.nur = await app.directory.addUser('nur-c', 'nurse');
    token.doc = await app.directory.addUser('doc-c', 'doctor');
  });
  afterAll(async () => {
    await platform?.destroy();
  });

  it('is set, read back and removed by its owner only, and audited without the address', async () => {
    expect(await call('nur', 'GET')).toEqual({ status: 200, body: { email: null } });
    expect(await call('nur', 'PUT', { email: 'nurse.c@ward.example' })).toEqual({
      status: 200,
      body: { email: 'nurse.c@ward.example' },
    });
    expect((await call('nur', 'GET')).body).toEqual({ email: 'nurse.c@ward.example' });
    // Someone else's is not theirs to read: the doctor sees their own (none).
    expect((await call('doc', 'GET')).body).toEqual({ email: null });
    expect(await app.contacts.email('nur-c')).toBe('nurse.c@ward.example');
    expect(await call('nur', 'PUT', { email: null })).toEqual({
      status: 200,
      body: { email: null },
    });
    expect(await app.contacts.email('nur-c')).toBeUndefined();
    const trail = JSON.stringify(
      (await sql`select * from audit where actor = 'nur-c'`.execute(app.database.db)).rows,
    );
    expect(trail).toContain('contact.set');
    expect(trail).toContain('contact.remove');
    expect(trail).not.toContain('ward.example');
  });

  it('refuses what is not an address, anything else in the body, and strangers', async () => {
    for (const email of [
      '',
      'nurse',
      'a b@ward.example',
      'x@localhost',
      `${'a'.repeat(250)}@w.example`,
    ])
      expect((await call('nur', 'PUT', { email })).status, email).toBe(400);
    const extra = await call('nur', 'PUT', { email: 'n@ward.example', who: 'doc-c' });
    expect(extra.status).toBe(400);
    expect(extra.body.error).toBeTruthy();
    expect((await call('', 'GET')).status).toBe(401);
    expect((await call('forged-token', 'PUT', { email: 'n@ward.example' })).status).toBe(401);
    expect(await app.contacts.email('nur-c')).toBeUndefined();
  });
});
