import { chmodSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Rsc, TutelaError } from './errors.js';

/** What refusing a file others may read says: a key of a server, or a person's credentials. */
export type Exposed = 'key_file_exposed' | 'credentials_exposed';

/**
 * Reads a file only its owner may read (keys, tokens, demo sign-in sheets).
 * One that group or others can read is refused rather than used: its
 * secret may already be out.
 */
export function readPrivateFile(file: string, exposed: Exposed = 'key_file_exposed'): string {
  if ((statSync(file).mode & 0o077) !== 0)
    throw new TutelaError(
      exposed,
      exposed === 'key_file_exposed' ? Rsc.INTERNAL_SERVER_ERROR : Rsc.BAD_REQUEST,
      `${file} is readable by others; run chmod 600 on it`,
    );
  return readFileSync(file, 'utf8');
}

/**
 * Writes a file only its owner may read (0600, in a 0700 folder made if
 * missing). By default through a temporary file and a rename, so a crash
 * never leaves half a secret; `exclusive` instead fails if the file exists
 * (a key made once: two processes starting together must not make two).
 */
export function writePrivateFile(
  file: string,
  content: string,
  opts: { exclusive?: boolean } = {},
): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  if (opts.exclusive) {
    writeFileSync(file, content, { mode: 0o600, flag: 'wx' });
    chmodSync(file, 0o600);
    return;
  }
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, content, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, file);
}
