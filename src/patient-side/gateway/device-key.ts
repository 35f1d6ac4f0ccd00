import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { generateKeyPair, importKeyPair, type HpkeKeyPair } from '../../crypto/hpke.js';
import { Rsc, TutelaError } from '../../core/errors.js';

/**
 * The gateway's own X25519 key pair, made on the device at first start and
 * kept in a 0600 file (a real device keeps it in its secure element). Its
 * public half is what the platform registers for this device; the
 * application server accepts a reading only if this key sealed it.
 */
export async function loadOrCreateDeviceKey(file: string): Promise<HpkeKeyPair> {
  if (existsSync(file)) {
    if ((statSync(file).mode & 0o077) !== 0)
      throw new TutelaError(
        'device_key_exposed',
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
