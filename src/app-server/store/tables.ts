/**
 * The keyring's tables in the application server's zone (its own SQLite
 * file `app.sqlite` or PostgreSQL schema `<prefix>_app`). Keys are stored
 * only wrapped (AES-256-GCM), never in clear. The zone's full table set is
 * the intersection of each feature's tables; the keyring asks only for these.
 */
export interface KeyringTables {
  patient_keys: PatientKeysTable;
  data_keys: DataKeysTable;
}

/**
 * One row per patient id ever keyed or erased. After crypto-shredding the
 * row stays as a tombstone: the wrapped key is gone and `shredded_at` says
 * when, so the id is never silently given a new key.
 */
export interface PatientKeysTable {
  pt: string;
  /** Which master key wrapped the patient key (keyring/wrap.ts, kekId); null once shredded. */
  kek_id: string | null;
  iv: Uint8Array | null;
  /** The patient key wrapped by the master key (ciphertext and tag); null once shredded. */
  ct: Uint8Array | null;
  /** The current data-key epoch: new versions are sealed under it (0 for an id shredded unkeyed). */
  epoch: number;
  created_at: number;
  shredded_at: number | null;
}

/** One row per (patient, RL, epoch): the data key wrapped by the patient key. */
export interface DataKeysTable {
  pt: string;
  rl: string;
  epoch: number;
  iv: Uint8Array;
  ct: Uint8Array;
  created_at: number;
}
