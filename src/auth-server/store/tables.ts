/**
 * The authorization server's device tables. No health data and no secret
 * in clear: claim codes are kept as SHA-256 hashes, devices by their
 * certificate's serial and fingerprint (the private keys never leave the
 * gateway).
 */
export interface DeviceTables {
  /** One-time codes that let a gateway be claimed for a patient. */
  claim_codes: {
    /** The code's first characters: finds the row without comparing the secret part. */
    id: string;
    /** SHA-256 of the whole code (base64url); compared in constant time. */
    code_hash: string;
    pt: string;
    created_by: string;
    created_at: number;
    expires_at: number;
    /** Wrong secrets given for this id so far; at the limit the code is dead. */
    failed_tries: number;
    used_at: number | null;
    /** The device claimed with it. */
    dev: string | null;
  };
  /** Onboarded gateways and their current certificate. */
  devices: {
    dev: string;
    pt: string;
    /** Serial number of the current certificate, lower-case hex. */
    serial: string;
    /** SHA-256 of the current certificate's DER, lower-case hex. */
    fingerprint: string;
    not_after: number;
    status: 'active' | 'revoked';
    /** The gateway's HPKE public key (X25519, base64url), enrolled with the application server. */
    hpke_public_key: string;
    claimed_at: number;
    revoked_at: number | null;
    revoked_by: string | null;
  };
}
