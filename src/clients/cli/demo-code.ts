import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Secret, TOTP } from 'otpauth';
import { readPrivateFile } from '../../core/private-file.js';

/** A demo person's entry on the sign-in sheet npm start wrote. */
export interface DemoAccount {
  password?: string;
  /** Base32 TOTP secret (clinical roles). */
  totpSecret?: string;
}

/**
 * A demo account from the demo sign-in sheet (<data dir>/demo/accounts.json,
 * 0600), made at the platform's first start. Throws, naming the known
 * accounts, for anyone else.
 */
export function demoAccount(dataDir: string, user: string): DemoAccount {
  const file = join(dataDir, 'demo', 'accounts.json');
  if (!existsSync(file))
    throw new Error(`no demo sign-in sheet at ${file}: start the platform with npm start first`);
  const sheet = JSON.parse(readPrivateFile(file, 'credentials_exposed')) as {
    accounts?: Record<string, DemoAccount>;
  };
  const account = sheet.accounts && Object.hasOwn(sheet.accounts, user) && sheet.accounts[user];
  if (!account)
    throw new Error(
      `no demo account "${user}" (known: ${Object.keys(sheet.accounts ?? {}).join(', ')})`,
    );
  return account;
}

/** The current code (RFC 6238, the authenticator-app defaults: SHA-1, 6 digits, 30 s) of a secret. */
export function totpCode(secret: string, now = Date.now()): string {
  const totp = new TOTP({
    algorithm: 'SHA1',
    digits: 6,
    period: 30,
    secret: Secret.fromBase32(secret),
  });
  return totp.generate({ timestamp: now });
}

/**
 * `tutela code --as <user>`: the current sign-in code of a demo account, for
 * trying the demo without an authenticator app; real accounts keep their
 * secret in the person's own app only.
 */
export function demoCode(dataDir: string, user: string, now = Date.now()): string {
  const secret = demoAccount(dataDir, user).totpSecret;
  if (!secret) throw new Error(`${user} signs in without a code`);
  return totpCode(secret, now);
}
