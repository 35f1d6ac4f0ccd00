import { ApiError, describeError } from '../session/api.js';

/**
 * Why a passkey was not added, in words (a refusal of the provider, or the
 * browser's WebAuthn errors, which @simplewebauthn/browser passes on by
 * their DOMException names).
 */
export function passkeyProblem(err: unknown): string {
  if (err instanceof ApiError) {
    if (err.code === 'second_factor_required')
      return 'Adding a passkey needs a sign-in with your second factor: sign out, then sign in again with your authenticator code.';
    return describeError(err);
  }
  const name = err instanceof Error ? err.name : '';
  if (name === 'NotAllowedError')
    return 'No passkey was added: the browser’s prompt was cancelled or timed out. Try again.';
  if (name === 'InvalidStateError') return 'This device already holds a passkey for your account.';
  if (name === 'NotSupportedError' || name === 'SecurityError')
    return 'This browser or device cannot make a passkey for this site.';
  return describeError(err);
}

/**
 * Whether a passkey can be made for a site reached at `hostname`: a
 * passkey's relying party is a domain name (WebAuthn Level 3 §5.1.3, RP ID
 * a registrable domain suffix of the origin's host), so browsers refuse one
 * at an IP address such as the embedded platform's default 127.0.0.1.
 */
export function passkeysPossibleAt(hostname: string): boolean {
  return !/^\d{1,3}(\.\d{1,3}){3}$/.test(hostname) && !hostname.startsWith('[');
}

export const PASSKEYS_NEED_A_NAME =
  'Passkeys are tied to a site’s name, and this platform is reached by its IP address, which browsers do not allow for passkeys. Ask your administrator to serve it under a host name; for the demo, start it with TUTELA_HOST=localhost and open https://localhost:8443/web/.';
