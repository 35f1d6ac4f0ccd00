import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { readPrivateFile, writePrivateFile } from '../../core/private-file.js';

/**
 * The authorization server's secrets, made at first start in `<dataDir>/auth/`
 * (directory 0700, files 0600), never in the repository: the token signing
 * key set (private JWKS), the cookie signing keys and the key that seals TOTP
 * secrets at rest. A file others can read is refused rather than used.
 */
export interface AuthSecrets {
  /** Private JWKs; only their public halves are published at /oidc/jwks. */
  jwks: { keys: JWK[] };
  cookieKeys: string[];
  /** AES-256-GCM key sealing TOTP secrets. */
  totpKey: Uint8Array;
  /** Secret of the confidential client tutela-app-server. */
  appServerSecret: string;
}

export const authDir = (dataDir: string) => join(dataDir, 'auth');

export async function loadOrCreateSecrets(dataDir: string): Promise<AuthSecrets> {
  const dir = authDir(dataDir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const jwks = await fileOr(join(dir, 'signing-keys.json'), async () => {
    // ES256 (RFC 7518 §3.4): every token the provider signs; kid from the thumbprint.
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const jwk = await exportJWK(privateKey);
    return JSON.stringify({
      keys: [{ ...jwk, alg: 'ES256', use: 'sig', kid: randomBytes(8).toString('hex') }],
    });
  });
  const cookieKeys = await fileOr(join(dir, 'cookie-keys.json'), () =>
    Promise.resolve(JSON.stringify([randomBytes(32).toString('base64url')])),
  );
  const totpKey = await fileOr(join(dir, 'totp.key'), () =>
    Promise.resolve(randomBytes(32).toString('base64url')),
  );
  const appServerSecret = await fileOr(join(dir, 'app-server-client-secret'), () =>
    Promise.resolve(randomBytes(32).toString('base64url')),
  );
  return {
    jwks: JSON.parse(jwks) as { keys: JWK[] },
    cookieKeys: JSON.parse(cookieKeys) as string[],
    totpKey: new Uint8Array(Buffer.from(totpKey.trim(), 'base64url')),
    appServerSecret: appServerSecret.trim(),
  };
}

async function fileOr(file: string, make: () => Promise<string>): Promise<string> {
  if (existsSync(file)) return readPrivateFile(file);
  const content = await make();
  writePrivateFile(file, content, { exclusive: true });
  return content;
}
