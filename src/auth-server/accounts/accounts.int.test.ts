import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { databaseTargets, openTestDatabase, type TestDatabase } from '../../core/db/testing.js';
import { oidcMigrations } from '../store/oidc-migrations.js';
import type { OidcTables } from '../store/oidc-tables.js';
import { AccountStore } from './accounts.js';
import { currentTotp } from './totp.js';

const PASSWORD = 'amber falcon tessellate 42';

describe.each(databaseTargets())('accounts ($name)', (target) => {
  let database: TestDatabase<OidcTables> | undefined;
  afterEach(async () => {
    await database?.cleanup();
    database = undefined;
  });

  async function store(now: () => number) {
    database = await openTestDatabase<OidcTables>(target, {
      zone: 'auth',
      migrations: oidcMigrations,
    });
    const key = new Uint8Array(randomBytes(32));
    return { accounts: new AccountStore(database.db, key, undefined, now), key };
  }

  it('locks a login out after 5 failures, with doubling backoff, whether or not it exists', async () => {
    let t = 1_000_000;
    const { accounts } = await store(() => t);
    await accounts.create({ id: 'fam-3', role: 'family', password: PASSWORD });
    for (const login of ['fam-3', 'nobody-here']) {
      for (let i = 0; i < 4; i++)
        expect(await accounts.signIn(login, 'wrong password!!')).toEqual({
          ok: false,
          reason: 'invalid',
        });
      expect(await accounts.signIn(login, 'wrong password!!')).toEqual({
        ok: false,
        reason: 'locked',
        retryAfterMs: 30_000,
      });
    }
    // Locked: even the right password is refused, without a hash being computed.
    expect((await accounts.signIn('fam-3', PASSWORD)).ok).toBe(false);
    t += 30_001;
    // One more failure after the lock doubles it.
    expect(await accounts.signIn('fam-3', 'wrong again!!!')).toMatchObject({
      retryAfterMs: 60_000,
    });
    t += 60_001;
    expect(await accounts.signIn('fam-3', PASSWORD)).toMatchObject({
      ok: true,
      account: { id: 'fam-3' },
    });
    // Success clears the count.
    expect(await accounts.signIn('fam-3', 'wrong password!!')).toEqual({
      ok: false,
      reason: 'invalid',
    });
    // Counts idle for a day are forgotten.
    t += 25 * 3600_000;
    await accounts.sweepFailures();
    expect(await database!.db.selectFrom('login_failures').selectAll().execute()).toEqual([]);
  });

  it('refuses weak passwords and gives clinical roles a TOTP secret, sealed at rest', async () => {
    const { accounts } = await store(Date.now);
    await expect(
      accounts.create({ id: 'n1', role: 'nurse', password: 'password1234' }),
    ).rejects.toMatchObject({
      code: 'weak_password',
      status: 400,
    });
    const { totpSecret } = await accounts.create({ id: 'n1', role: 'nurse', password: PASSWORD });
    expect(totpSecret).toMatch(/^[A-Z2-7]{32}$/);
    expect(
      (await accounts.create({ id: 'f1', role: 'family', password: PASSWORD })).totpSecret,
    ).toBeUndefined();
    const row = await database!.db
      .selectFrom('accounts')
      .selectAll()
      .where('id', '=', 'n1')
      .executeTakeFirstOrThrow();
    expect(row.totp_secret).not.toContain(totpSecret);
    expect(row.password_hash).toMatch(/^\$argon2id\$/);
    expect(row.password_hash).not.toContain(PASSWORD);
  });

  it('accepts a TOTP code once: the same code replayed is refused', async () => {
    const t = Date.now();
    const { accounts } = await store(() => t);
    const { totpSecret } = await accounts.create({
      id: 'r1',
      role: 'responder',
      password: PASSWORD,
    });
    const code = currentTotp(totpSecret!, t);
    expect(
      await accounts.checkSecondFactor(
        'r1',
        '000000'.replace(/./g, (_c, i: number) => String((Number(code[i]) + 1) % 10)),
      ),
    ).toMatchObject({ ok: false });
    expect(await accounts.checkSecondFactor('r1', code)).toMatchObject({
      ok: true,
      account: { id: 'r1', totp: true },
    });
    expect(await accounts.checkSecondFactor('r1', code)).toMatchObject({ ok: false });
  });
});
