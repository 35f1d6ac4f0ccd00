import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readPrivateFile, writePrivateFile } from '../../core/private-file.js';
import type { AccountStore } from './accounts.js';
import { generatePassword } from './passwords.js';
import { isAccountRole } from './roles.js';
import { totpUri } from './totp.js';

export interface DemoPerson {
  id: string;
  role: string;
}

export interface DemoAccount {
  role: string;
  password: string;
  /** Base32 TOTP secret (clinical roles), and its otpauth:// URI for an authenticator app. */
  totpSecret?: string;
  totpUri?: string;
}

export interface DemoAccountsFile {
  url: string;
  signIn: string;
  accounts: Record<string, DemoAccount>;
}

/** Demo sign-in sheet (0600). Separate from credentials.json, which holds interim API tokens. */
export const demoAccountsFile = (dataDir: string) => join(dataDir, 'demo', 'accounts.json');

/**
 * Makes an account for each demo person the first time (a generated password,
 * and a TOTP secret for clinical roles) and writes the sign-in sheet; later
 * starts keep the accounts and the sheet. Nothing here is ever in the repository.
 */
export async function ensureDemoAccounts(
  dataDir: string,
  accounts: AccountStore,
  people: readonly DemoPerson[],
  platformUrl: string,
): Promise<{ file: string; accounts: Record<string, DemoAccount> }> {
  const file = demoAccountsFile(dataDir);
  const saved = readSheet(file);
  const out: Record<string, DemoAccount> = {};
  for (const p of people) {
    if (!isAccountRole(p.role)) continue;
    const known = saved?.accounts[p.id];
    if (known && (await accounts.find(p.id))) {
      out[p.id] = known;
      continue;
    }
    if (await accounts.find(p.id)) continue; // made elsewhere: its secrets are not ours to print
    const password = generatePassword();
    const { totpSecret } = await accounts.create({ id: p.id, role: p.role, password });
    out[p.id] = {
      role: p.role,
      password,
      ...(totpSecret ? { totpSecret, totpUri: totpUri(totpSecret, p.id) } : {}),
    };
  }
  const sheet: DemoAccountsFile = {
    url: platformUrl,
    signIn: `${platformUrl}/web/ (web app) or: npx tutela login; clinical roles also enter the TOTP code of totpSecret`,
    accounts: out,
  };
  writePrivateFile(file, `${JSON.stringify(sheet, null, 2)}\n`);
  return { file, accounts: out };
}

function readSheet(file: string): DemoAccountsFile | undefined {
  if (!existsSync(file)) return undefined;
  return JSON.parse(readPrivateFile(file, 'credentials_exposed')) as DemoAccountsFile;
}
