import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { Rsc, TutelaError } from '../../core/errors.js';
import { readPrivateFile, writePrivateFile } from '../../core/private-file.js';

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
  const parsed: unknown = JSON.parse(readPrivateFile(file, 'credentials_exposed'));
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
  writePrivateFile(file, `${JSON.stringify(creds, null, 2)}\n`);
}
