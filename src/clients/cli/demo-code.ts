import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Secret, TOTP } from 'otpauth';
import { readPrivateFile } from '../../core/private-file.js';

/**
 * `tutela code --as <user>`: the current sign-in code (RFC 6238, the
 * authenticator-app defaults: SHA-1, 6 digits, 30 s) of a demo account, read
 * from the demo sign-in sheet npm start wrote (<data dir>/demo/accounts.json,
 * 0600). For trying the demo without an authenticator app; real accounts keep
 * their secret in the person's own app only.
 */
export function demoCode(dataDir: string, user: string, now = Date.now()): string {
  const file = join(dataDir, 'demo', 'accounts.json');
  if (!existsSync(file))
    throw new Error(`no demo sign-in sheet at ${file}: start the platform with npm start first`);
  const sheet = JSON.parse(readPrivateFile(file, 'credentials_exposed')) as {
    accounts?: Record<string, { totpSecret?: string }>;
  };
  const secret = sheet.accounts?.[user]?.totpSecret;
  if (!secret)
    throw new Error(
      sheet.accounts && Object.hasOwn(sheet.accounts, user)
        ? `${user} signs in without a code`
        : `no demo account "${user}" (known: ${Object.keys(sheet.accounts ?? {}).join(', ')})`,
    );
  const totp = new TOTP({
    algorithm: 'SHA1',
    digits: 6,
    period: 30,
    secret: Secret.fromBase32(secret),
  });
  return totp.generate({ timestamp: now });
}
