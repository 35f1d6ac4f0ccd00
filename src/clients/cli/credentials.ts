import { existsSync, readFileSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { Rsc, TutelaError } from '../../core/errors.js';

/**
 * The demo's sign-in sheet: made at the platform's first start in
 * `<dataDir>/demo/credentials.json` (mode 0600), so that `npx tutela watch
 * --as doctor` works on the machine that runs the demo. It holds API tokens
 * of demo people only; a real deployment signs people in (issue 4).
 */
export const DemoCredentialsSchema = Type.Object({
  url: Type.String(),
  caFile: Type.Optional(Type.String()),
  users: Type.Record(Type.String(), Type.Object({ role: Type.String(), token: Type.String() })),
});
export type DemoCredentials = Static<typeof DemoCredentialsSchema>;

export const credentialsFile = (dataDir: string) => join(dataDir, 'demo', 'credentials.json');

export function readDemoCredentials(dataDir: string): DemoCredentials | undefined {
  const file = credentialsFile(dataDir);
  if (!existsSync(file)) return undefined;
  if ((statSync(file).mode & 0o077) !== 0)
    throw new TutelaError(
      'credentials_exposed',
      Rsc.BAD_REQUEST,
      `${file} is readable by others; run chmod 600 on it`,
    );
  const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
  if (!Value.Check(DemoCredentialsSchema, parsed))
    throw new TutelaError(
      'credentials_invalid',
      Rsc.BAD_REQUEST,
      `${file} is not a Tutela credentials file`,
    );
  return parsed;
}

export function writeDemoCredentials(dataDir: string, creds: DemoCredentials): void {
  const file = credentialsFile(dataDir);
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, `${JSON.stringify(creds, null, 2)}\n`, { mode: 0o600 });
}
