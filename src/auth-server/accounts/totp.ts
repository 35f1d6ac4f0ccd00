import { Secret, TOTP } from 'otpauth';
import { open, seal } from '../../crypto/aead.js';

/**
 * TOTP second factor (RFC 6238: HMAC-SHA-1, 6 digits, 30 s steps, the
 * authenticator-app defaults). Secrets are sealed at rest with the TOTP key
 * file (AES-256-GCM, the account id as AAD so a sealed secret cannot be moved
 * to another account).
 */
const PERIOD = 30;

export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

export function sealTotpSecret(key: Uint8Array, accountId: string, base32: string): string {
  const { iv, ct } = seal(key, Buffer.from(base32), Buffer.from(`totp:${accountId}`));
  return `${Buffer.from(iv).toString('base64url')}.${Buffer.from(ct).toString('base64url')}`;
}

export function openTotpSecret(key: Uint8Array, accountId: string, sealed: string): string {
  const [iv = '', ct = ''] = sealed.split('.');
  return Buffer.from(
    open(
      key,
      Buffer.from(iv, 'base64url'),
      Buffer.from(ct, 'base64url'),
      Buffer.from(`totp:${accountId}`),
    ),
  ).toString();
}

function totp(base32: string, label = 'tutela'): TOTP {
  return new TOTP({
    issuer: 'Tutela',
    label,
    algorithm: 'SHA1',
    digits: 6,
    period: PERIOD,
    secret: Secret.fromBase32(base32),
  });
}

/**
 * The time step of `code` if it is valid now (one step of clock drift either
 * way, RFC 6238 §5.2) and later than `lastStep`: a code is accepted only once,
 * so an observed code cannot be replayed within its window.
 */
export function checkTotp(
  base32: string,
  code: string,
  lastStep: number | null,
  now = Date.now(),
): number | undefined {
  if (!/^\d{6}$/.test(code)) return undefined;
  const delta = totp(base32).validate({ token: code, timestamp: now, window: 1 });
  if (delta === null) return undefined;
  const step = Math.floor(now / 1000 / PERIOD) + delta;
  if (lastStep !== null && step <= lastStep) return undefined;
  return step;
}

/** The current code (for tests and the demo's own scripted sign-in). */
export function currentTotp(base32: string, now = Date.now()): string {
  return totp(base32).generate({ timestamp: now });
}

/** otpauth:// URI for an authenticator app. */
export function totpUri(base32: string, accountId: string): string {
  return totp(base32, accountId).toString();
}
