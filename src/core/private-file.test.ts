import { chmodSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readPrivateFile, writePrivateFile } from './private-file.js';

describe('private files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tutela-private-'));

  it('writes 0600 in a 0700 folder, replaces whole, and reads back', () => {
    const file = join(dir, 'sub', 'secret.json');
    writePrivateFile(file, 'one');
    writePrivateFile(file, 'two');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'sub')).mode & 0o777).toBe(0o700);
    expect(readdirSync(join(dir, 'sub'))).toEqual(['secret.json']);
    expect(readPrivateFile(file)).toBe('two');
    expect(() => writePrivateFile(file, 'three', { exclusive: true })).toThrow(/EEXIST/);
  });

  it('refuses a file others may read, with the code asked for', () => {
    const file = join(dir, 'open.key');
    writeFileSync(file, 'k');
    chmodSync(file, 0o644);
    expect(() => readPrivateFile(file)).toThrow(
      expect.objectContaining({ code: 'key_file_exposed', status: 500 }),
    );
    expect(() => readPrivateFile(file, 'credentials_exposed')).toThrow(
      expect.objectContaining({ code: 'credentials_exposed', status: 400 }),
    );
  });
});
