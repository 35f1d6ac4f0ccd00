/**
 * Every artefact oidc-provider persists (sessions, interactions, grants,
 * authorization and device codes, refresh tokens, …): one row per model
 * instance, the payload as JSON. Payloads carry identifiers and claims, never
 * clinical content. `expires_at` lets reads ignore what has expired.
 */
export interface OidcModelsTable {
  kind: string;
  id: string;
  payload: string;
  grant_id: string | null;
  user_code: string | null;
  uid: string | null;
  /** Epoch ms; null: no expiry. */
  expires_at: number | null;
  /** Epoch seconds (as oidc-provider's `consumed`), null until consumed. */
  consumed_at: number | null;
}

/** People who sign in. */
export interface AccountsTable {
  id: string;
  role: string;
  /** PHC string of the argon2id hash (RFC 9106). */
  password_hash: string;
  /** TOTP secret sealed with the TOTP key file (AES-256-GCM), base64url iv.ct; null: none. */
  totp_secret: string | null;
  /** Time step of the last accepted TOTP code (RFC 6238 §5.2: a code is accepted once). */
  totp_last_step: number | null;
  created_at: number;
}

/**
 * Failed sign-in attempts per login name (known or not, so that lockout
 * says nothing about which accounts exist).
 */
export interface LoginFailuresTable {
  login: string;
  failures: number;
  locked_until: number;
  updated_at: number;
}

/** WebAuthn credentials (passkeys) registered to an account. */
export interface PasskeysTable {
  /** Credential id, base64url. */
  id: string;
  account_id: string;
  /** COSE public key, base64url. */
  public_key: string;
  /** Signature counter (WebAuthn §6.1.1), to spot a cloned authenticator. */
  counter: number;
  /** JSON array of transports, or null. */
  transports: string | null;
  created_at: number;
}

/**
 * WebAuthn challenges waiting for their answer (registration per account,
 * sign-in per interaction), in the database so that any instance of the
 * provider can check the answer; each is taken once.
 */
export interface PasskeyChallengesTable {
  /** `reg:<account>` or `auth:<interaction>`. */
  key: string;
  challenge: string;
  expires_at: number;
}

/** The auth zone's tables that this feature owns (the device helper adds its own). */
export interface OidcTables {
  oidc_models: OidcModelsTable;
  accounts: AccountsTable;
  login_failures: LoginFailuresTable;
  passkeys: PasskeysTable;
  passkey_challenges: PasskeyChallengesTable;
}
