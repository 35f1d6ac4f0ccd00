import { constants } from 'node:fs';
import { link, mkdir, open, stat, unlink } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { KEY_BYTES } from '../../crypto/aead.js';
import { fromBase64url, toBase64url } from '../../crypto/encoding.js';
import { Rsc, TutelaError } from '../../core/errors.js';

/**
 * The master key (KEK) that wraps every patient key (DESIGN.md, "Keys").
 * In production it comes from the environment (TUTELA_MASTER_KEY, or a KMS
 * adapter filling it); in embedded mode it is a file made on first start,
 * readable by its owner only, like an SSH private key. Both hold the 32
 * bytes as one line of base64url, so a file key can be moved into the
 * environment as it is.
 */

export interface MasterKeyOptions {
  dataDir: string;
  /** The value of TUTELA_MASTER_KEY, if set: it wins over the file, which is then never made. */
  fromEnv?: string | undefined;
}

export interface MasterKey {
  key: Uint8Array;
  source: 'env' | 'file';
  /** The key file, when the key came from one. */
  path?: string;
  /** Whether this start made the key file. */
  created: boolean;
}

export function masterKeyPath(dataDir: string): string {
  return join(dataDir, 'keys', 'master.key');
}

export async function loadMasterKey(opts: MasterKeyOptions): Promise<MasterKey> {
  if (opts.fromEnv !== undefined)
    return { key: decode(opts.fromEnv, 'TUTELA_MASTER_KEY'), source: 'env', created: false };
  const path = masterKeyPath(opts.dataDir);
  const dir = join(opts.dataDir, 'keys');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const dirStat = await stat(dir);
  if (!dirStat.isDirectory()) throw unsafe(`${dir} is not a directory`);
  ownerOnly(dirStat.mode, dir, 700);
  const existing = await readKeyFile(path);
  if (existing) return { key: existing, source: 'file', path, created: false };
  const made = await createKeyFile(dir, path);
  return { key: made.key, source: 'file', path, created: made.created };
}

/** The key in the file, or undefined when there is no file. */
async function readKeyFile(path: string): Promise<Uint8Array | undefined> {
  let handle;
  try {
    // O_NOFOLLOW: a symbolic link planted in place of the key file is refused, not followed.
    handle = await open(path, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw unsafe(`cannot open ${path}: ${(err as Error).message}`, err);
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw unsafe(`${path} is not a regular file`);
    ownerOnly(info.mode, path, 600);
    // One line of base64url for 32 bytes is 43 characters and a newline.
    if (info.size > 64) throw invalid(`${path} is ${info.size} bytes, not a 32-byte key`);
    const text = (await handle.readFile('utf8')).replace(/\n$/, '');
    return decode(text, path);
  } finally {
    await handle.close();
  }
}

/**
 * Writes a new key to a private temporary file, fsyncs it, then links it to
 * its name: link() fails if the name exists, so two processes starting at
 * once agree on one key, and no reader ever sees a half-written file.
 */
async function createKeyFile(
  dir: string,
  path: string,
): Promise<{ key: Uint8Array; created: boolean }> {
  const key = new Uint8Array(randomBytes(KEY_BYTES));
  const tmp = join(dir, `.master.key.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(tmp, 'wx', 0o600);
  try {
    await handle.writeFile(`${toBase64url(key)}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await link(tmp, path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    key.fill(0);
    const theirs = await readKeyFile(path);
    if (!theirs) throw err;
    return { key: theirs, created: false };
  } finally {
    await unlink(tmp);
  }
  await syncDir(dir);
  return { key, created: true };
}

/** Makes the new directory entry durable (POSIX: fsync of the directory). */
async function syncDir(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function ownerOnly(mode: number, path: string, wanted: 600 | 700): void {
  // Windows has no POSIX modes (Node reports made-up ones); its ACLs are the operator's to set.
  if (process.platform === 'win32') return;
  if ((mode & 0o077) !== 0)
    throw unsafe(
      `${path} has mode ${(mode & 0o777).toString(8)}: group or others may access it; ` +
        `refusing to use it (chmod ${wanted} ${path})`,
    );
}

function decode(text: string, from: string): Uint8Array {
  let key: Uint8Array;
  try {
    key = fromBase64url(text);
  } catch (err) {
    throw invalid(`${from} is not base64url`, err);
  }
  if (key.length !== KEY_BYTES) {
    key.fill(0);
    throw invalid(`${from} holds ${key.length} bytes; the master key is ${KEY_BYTES}`);
  }
  return key;
}

function unsafe(msg: string, cause?: unknown): TutelaError {
  return new TutelaError('master_key_unsafe', Rsc.INTERNAL_SERVER_ERROR, msg, { cause });
}

function invalid(msg: string, cause?: unknown): TutelaError {
  return new TutelaError('invalid_master_key', Rsc.INTERNAL_SERVER_ERROR, msg, { cause });
}
