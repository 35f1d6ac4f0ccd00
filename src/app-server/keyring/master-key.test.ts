import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadMasterKey, masterKeyPath } from './master-key.js';

const posix = process.platform !== 'win32';

describe('master key', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'tutela-kek-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('is made on first start as a 0600 file in a 0700 directory, and read back after', async () => {
    const first = await loadMasterKey({ dataDir });
    expect(first).toMatchObject({ source: 'file', created: true, path: masterKeyPath(dataDir) });
    expect(first.key).toHaveLength(32);
    if (posix) {
      expect(statSync(masterKeyPath(dataDir)).mode & 0o777).toBe(0o600);
      expect(statSync(join(dataDir, 'keys')).mode & 0o777).toBe(0o700);
    }
    expect(readFileSync(masterKeyPath(dataDir), 'utf8')).toMatch(/^[A-Za-z0-9_-]{43}\n$/);
    const again = await loadMasterKey({ dataDir });
    expect(again).toMatchObject({ source: 'file', created: false });
    expect(again.key).toEqual(first.key);
  });

  it('is one key when several starts race to make it', async () => {
    const keys = await Promise.all(Array.from({ length: 8 }, () => loadMasterKey({ dataDir })));
    expect(keys.filter((k) => k.created)).toHaveLength(1);
    for (const k of keys) expect(k.key).toEqual(keys[0]!.key);
  });

  it.runIf(posix)('refuses a key file that group or others may read', async () => {
    await loadMasterKey({ dataDir });
    chmodSync(masterKeyPath(dataDir), 0o644);
    await expect(loadMasterKey({ dataDir })).rejects.toMatchObject({
      code: 'master_key_unsafe',
      message: expect.stringMatching(/mode 644.*chmod 600/),
    });
    chmodSync(masterKeyPath(dataDir), 0o640);
    await expect(loadMasterKey({ dataDir })).rejects.toMatchObject({ code: 'master_key_unsafe' });
  });

  it.runIf(posix)('refuses a key directory that group or others may enter', async () => {
    await loadMasterKey({ dataDir });
    chmodSync(join(dataDir, 'keys'), 0o755);
    await expect(loadMasterKey({ dataDir })).rejects.toMatchObject({
      code: 'master_key_unsafe',
      message: expect.stringMatching(/chmod 700/),
    });
  });

  it.runIf(posix)('refuses a symbolic link in place of the key file', async () => {
    const elsewhere = join(dataDir, 'elsewhere.key');
    writeFileSync(elsewhere, `${randomBytes(32).toString('base64url')}\n`, { mode: 0o600 });
    mkdirSync(join(dataDir, 'keys'), { mode: 0o700 });
    symlinkSync(elsewhere, masterKeyPath(dataDir));
    await expect(loadMasterKey({ dataDir })).rejects.toMatchObject({ code: 'master_key_unsafe' });
  });

  it.each([
    ['too short', randomBytes(31).toString('base64url')],
    ['too long', randomBytes(33).toString('base64url')],
    ['not base64url', `${randomBytes(32).toString('base64')}`.replace(/.$/, '+')],
    ['empty', ''],
    ['far too long', 'A'.repeat(200)],
  ])('refuses a key file that is %s', async (_why, text) => {
    mkdirSync(join(dataDir, 'keys'), { mode: 0o700 });
    writeFileSync(masterKeyPath(dataDir), text, { mode: 0o600 });
    await expect(loadMasterKey({ dataDir })).rejects.toMatchObject({ code: 'invalid_master_key' });
  });

  it('takes the environment value over the file, and never makes a file then', async () => {
    const key = randomBytes(32);
    const loaded = await loadMasterKey({ dataDir, fromEnv: key.toString('base64url') });
    expect(loaded).toMatchObject({ source: 'env', created: false });
    expect(loaded.key).toEqual(new Uint8Array(key));
    expect(() => statSync(join(dataDir, 'keys'))).toThrow();
  });

  it('refuses an environment value of the wrong length or encoding, without quoting it', async () => {
    for (const bad of [
      '',
      randomBytes(16).toString('base64url'),
      `${randomBytes(32).toString('base64url')}=`,
    ]) {
      const err = await loadMasterKey({ dataDir, fromEnv: bad }).catch((e: unknown) => e);
      expect(err).toMatchObject({
        code: 'invalid_master_key',
        message: expect.stringContaining('TUTELA_MASTER_KEY'),
      });
      if (bad) expect((err as Error).message).not.toContain(bad);
    }
  });
});
