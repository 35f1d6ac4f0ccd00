import { randomBytes } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../../core/db/testing.js';
import { oidcMigrations } from '../store/oidc-migrations.js';
import type { OidcTables } from '../store/oidc-tables.js';
import { AccountStore } from './accounts.js';
import { demoAccountsFile, ensureDemoAccounts, type DemoAccountsFile } from './demo.js';
import { currentTotp } from './totp.js';

describe('demo accounts', () => {
  let database: TestDatabase<OidcTables> | undefined;
  afterEach(async () => {
    await database?.cleanup();
  });

  it('are made once with generated passwords (TOTP for clinical roles), kept in a 0600 sheet', async () => {
    database = await openTestDatabase<OidcTables>(
      { name: 'sqlite' },
      { zone: 'auth', migrations: oidcMigrations },
    );
    const accounts = new AccountStore(database.db, new Uint8Array(randomBytes(32)));
    const people = [
      { id: 'nurse', role: 'nurse' },
      { id: 'family', role: 'family' },
      { id: 'pt-0001', role: 'patient' },
    ];
    const first = await ensureDemoAccounts(database.dataDir, accounts, people, 'https://x.example');
    const file = demoAccountsFile(database.dataDir);
    expect(first.file).toBe(file);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const sheet = JSON.parse(readFileSync(file, 'utf8')) as DemoAccountsFile;
    expect(Object.keys(sheet.accounts)).toEqual(['nurse', 'family', 'pt-0001']);
    expect(sheet.accounts.nurse!.totpSecret).toBeTruthy();
    expect(sheet.accounts.nurse!.totpUri).toMatch(/^otpauth:\/\/totp\//);
    expect(sheet.accounts.family!.totpSecret).toBeUndefined();
    const nurse = sheet.accounts.nurse!;
    expect(await accounts.signIn('nurse', nurse.password)).toMatchObject({ ok: true });
    expect(await accounts.checkSecondFactor('nurse', currentTotp(nurse.totpSecret!))).toMatchObject(
      { ok: true },
    );
    // A second start keeps the accounts and their passwords.
    const second = await ensureDemoAccounts(
      database.dataDir,
      accounts,
      people,
      'https://x.example',
    );
    expect(second.accounts.nurse!.password).toBe(nurse.password);
  });
});
