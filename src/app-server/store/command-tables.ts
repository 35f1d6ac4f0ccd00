/**
 * Remote commands (issue 5 item 5). No health data in clear: a command's
 * parameters (a dose is a prescription) and what the device answered (a
 * spot check's reading) are sealed with the patient's key
 * (commands/sealed-fields.ts), so erasing the patient shreds them too. Kind,
 * device name, state, who and when are in clear: they are what the audit
 * and the four-eyes rule need.
 */
export interface CommandTables {
  commands: {
    /** `cmd-<random>`; also bound into the sealed command's AAD. */
    id: string;
    pt: string;
    kind: string;
    /** The Thing it is for (`infusion-pump`, `oximeter`, …). */
    device: string;
    /** The parameters, AES-256-GCM under the patient's V data key of `params_epoch`: iv ‖ ct, base64url. */
    params_sealed: string;
    params_epoch: number;
    /** awaiting-confirmation, sent, acknowledged, refused, failed or expired. */
    state: string;
    proposed_by: string;
    /** The second clinician of a dose change; null for the other kinds. */
    confirmed_by: string | null;
    /** The gateway it was sealed to, and its per-gateway sequence number (once sent). */
    gateway: string | null;
    seq: number | null;
    created_at: number;
    /** Until then a dose change may be confirmed; once sent, until then the gateway may act on it. */
    expires_at: number;
    sent_at: number | null;
    done_at: number | null;
    /** Why it was refused or failed: a stable code (`out_of_range`, `expired`, `thing_unreachable`, …). */
    outcome_code: string | null;
    /** What the device answered (the gateway's ack), sealed like the params. */
    result_sealed: string | null;
    result_epoch: number | null;
  };
  /** The last command sequence number used towards each gateway (the gateway refuses anything not above). */
  command_seq: {
    dev: string;
    last_seq: number;
  };
  /** Each patient's acks container in the CSE, by resource id: how its notifications are recognised. */
  command_boxes: {
    pt: string;
    acks_ri: string;
  };
}
