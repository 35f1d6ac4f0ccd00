/**
 * Per-patient clinical settings (issue 5 item 1). The SpO2 scale stays in
 * clear in `patients.spo2_scale` (the pipeline reads it on every tick);
 * the thresholds and the SpO2 target range say something about the patient,
 * so they are sealed with the patient's key (erasure shreds them too).
 */
export interface SettingsTables {
  patient_settings: {
    pt: string;
    /** JSON of the thresholds and target range, AES-256-GCM under the patient's V data key of `epoch`: iv ‖ ct, base64url. */
    sealed: string;
    epoch: number;
    updated_at: number;
    /** Who set them (user id). */
    updated_by: string;
  };
}
