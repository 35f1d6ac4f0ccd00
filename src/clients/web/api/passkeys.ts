import type {
  PublicKeyCredentialCreationOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/browser';
import type { Api } from '../session/api.js';

/** What runs the browser's WebAuthn ceremony (@simplewebauthn/browser's startRegistration). */
export type Ceremony = (o: {
  optionsJSON: PublicKeyCredentialCreationOptionsJSON;
}) => Promise<RegistrationResponseJSON>;

/**
 * Registers a passkey for the signed-in person (docs/auth-server.md,
 * "Passkeys"): the provider's options, the browser's ceremony (the
 * authenticator makes a key pair bound to this site, user verification
 * required), then the provider checks and keeps the public key. Clinical
 * roles must have signed in with their second factor (403
 * second_factor_required otherwise).
 */
export async function addPasskey(api: Api, ceremony: Ceremony): Promise<{ id: string }> {
  const optionsJSON = await api<PublicKeyCredentialCreationOptionsJSON>(
    'POST',
    '/auth/passkeys/registration-options',
    {},
  );
  const response = await ceremony({ optionsJSON });
  return api<{ id: string }>('POST', '/auth/passkeys', response);
}

export interface PasskeyEntry {
  /** The credential id (base64url). */
  id: string;
  createdAt: number;
}

/** The signed-in person's own passkeys, newest first (GET /auth/passkeys). */
export async function listPasskeys(api: Api): Promise<PasskeyEntry[]> {
  return (await api<{ passkeys: PasskeyEntry[] }>('GET', '/auth/passkeys')).passkeys;
}

/** Removes one of them (DELETE /auth/passkeys/:id); it no longer signs in. */
export async function removePasskey(api: Api, id: string): Promise<void> {
  await api('DELETE', `/auth/passkeys/${encodeURIComponent(id)}`);
}
