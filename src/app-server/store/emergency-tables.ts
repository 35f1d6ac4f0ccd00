/**
 * Emergency access (break the glass) and the notices it sends. No health
 * data in clear: the reason a clinician gives may say something about the
 * patient, so it is sealed with the patient's key (erasure shreds it too).
 */
export interface EmergencyTables {
  /** One row per grant; `closed_at` is set when it ends (expired, closed by its holder, revoked). */
  emergency_access: {
    id: string;
    pt: string;
    user_id: string;
    /** The stated reason, AES-256-GCM under the patient's V data key of `reason_epoch`: iv ‖ ct, base64url. */
    reason_sealed: string;
    reason_epoch: number;
    opened_at: number;
    expires_at: number;
    closed_at: number | null;
    /** Who or what closed it: the holder, `expiry`, or the patient. */
    closed_by: string | null;
  };
  /** What the patient and the data-protection officer are told (GDPR Art. 5(1)(a) transparency). */
  notices: {
    id: string;
    recipient: string;
    pt: string;
    kind: string;
    grant_id: string;
    created_at: number;
    read_at: number | null;
  };
}
