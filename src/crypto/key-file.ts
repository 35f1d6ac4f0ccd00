import { existsSync } from 'node:fs';
import { generateKeyPair, importKeyPair, type HpkeKeyPair } from './hpke.js';
import { readPrivateFile, writePrivateFile } from '../core/private-file.js';

/**
 * An X25519 key pair kept in a 0600 file, made at first start: a gateway's
 * device key (a real device keeps it in its secure element), the
 * application server's HPKE key, a CLI's client device key. A file others
 * can read is refused rather than used.
 */
export async function loadOrCreateKeyFile(file: string): Promise<HpkeKeyPair> {
  if (existsSync(file))
    return importKeyPair(Buffer.from(readPrivateFile(file).trim(), 'base64url'));
  const { pair, privateRaw } = await generateKeyPair();
  writePrivateFile(file, Buffer.from(privateRaw).toString('base64url'), { exclusive: true });
  return pair;
}
