import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { Rsc, TutelaError } from '../../core/errors.js';
import { readPrivateFile, writePrivateFile } from '../../core/private-file.js';

/**
 * Where the demo runs and who takes part: written at the platform's first
 * start to `<dataDir>/demo/credentials.json` (mode 0600), so that `npx
 * tutela watch --as doctor` finds the platform and its CA on the machine
 * that runs the demo. No token: people sign in through the provider, with
 * the demo sign-in sheet beside it (accounts.json).
 */
export const DemoCredentialsSchema = Type.Object({
  url: Type.String(),
  caFile: Type.Optional(Type.String()),
  users: Type.Record(Type.String(), Type.Object({ role: Type.String() })),
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
