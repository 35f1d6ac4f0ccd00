import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { generateKeyPair, importKeyPair, type HpkeKeyPair } from './hpke.js';
import { Rsc, TutelaError } from '../core/errors.js';

/**
 * An X25519 key pair kept in a 0600 file, made at first start: a gateway's
 * device key (a real device keeps it in its secure element), the
 * application server's HPKE key, a CLI's client device key. A file others
 * can read is refused rather than used.
 */
export async function loadOrCreateKeyFile(file: string): Promise<HpkeKeyPair> {
  if (existsSync(file)) {
    if ((statSync(file).mode & 0o077) !== 0)
      throw new TutelaError(
        'key_file_exposed',
        Rsc.INTERNAL_SERVER_ERROR,
        `${file} is readable by others; run chmod 600 on it`,
      );
    const raw = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64url');
    return importKeyPair(raw);
  }
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const { pair, privateRaw } = await generateKeyPair();
  writeFileSync(file, Buffer.from(privateRaw).toString('base64url'), { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return pair;
}
