import type { Generated } from 'kysely';

/**
 * The application server's tables for the monitoring pipeline, the interim
 * directory and the audit trail. None holds health data: ids, public keys,
 * levels, hashes and outcome codes only (clinical content exists only
 * sealed, in the service layer).
 */
export interface PipelineTables {
  /** Patients the platform monitors, by pseudonym. */
  patients: {
    pt: string;
    /** NEWS2 SpO2 scale (1, or 2 for hypercapnic respiratory failure). */
    spo2_scale: number;
    /** The resource id of the patient's inbox container in the CSE. */
    inbox_ri: string | null;
    created_at: number;
  };
  /** Patient gateways and the public key that must have sealed their readings. */
  gateways: {
    dev: string;
    pt: string;
    public_key: string;
    registered_at: number;
    revoked_at: number | null;
  };
  /** The highest sequence number accepted from each gateway (replay protection). */
  reading_seq: { dev: string; last_seq: number };
  /** Every sequence number accepted within the replay window below the highest (see gateways.ts). */
  accepted_readings: { dev: string; seq: number };
  /** Interim directory of people (replaced by the authorization server); `al` '' = none. */
  users: {
    id: string;
    role: string;
    /** Authorization level: a confidentiality code U…V. */
    al: string;
    /** SHA-256 of the user's API token, base64url. */
    token_hash: string;
    created_at: number;
  };
  /** Client device keys (CLI, browser) registered by users: data keys are wrapped only to these. */
  client_devices: {
    id: string;
    user_id: string;
    public_key: string;
    created_at: number;
    revoked_at: number | null;
  };
  /** Who did what to which patient's data, and how it ended. Never health data. */
  audit: {
    seq: Generated<number>;
    at: number;
    actor: string;
    action: string;
    pt: string | null;
    outcome: string;
    detail: string;
  };
}
