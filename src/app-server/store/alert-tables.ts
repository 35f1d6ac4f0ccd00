import type { Generated } from 'kysely';

/**
 * The alert lifecycle (issue 5 items 2–4, src/app-server/alerts/). No
 * health data in clear: the finding's sentence is sealed with the patient's
 * V data key (crypto-shredded with the patient); rule codes, CLs, states,
 * user ids and timestamps are in clear (the CL is a CSE label already).
 */
export interface AlertTables {
  /** One row per alert; at most one not resolved per (pt, rule) (unique partial index). */
  alerts: {
    id: string;
    pt: string;
    rule: string;
    cl: string;
    /** raised | acknowledged | escalated | resolved */
    state: string;
    /** Index of the escalation chain's step reached (0: the first recipients). */
    step: number;
    /** When the next step is due unless someone acknowledges; null: no further step, or paused. */
    next_escalation_at: number | null;
    /** The finding's sentence, AES-256-GCM under the patient's V data key of `text_epoch`: iv ‖ ct, base64url. */
    text_sealed: string;
    text_epoch: number;
    raised_at: number;
    /** The last reading at which the finding still held (de-duplication updates it). */
    last_seen_at: number;
    /** Hysteresis: consecutive readings without the finding, and since when. */
    absent_count: number;
    absent_since: number | null;
    /** 1 once the finding has been absent long enough (alerts/hysteresis.ts). */
    recovering: number;
    acknowledged_at: number | null;
    acknowledged_by: string | null;
    resolved_at: number | null;
    resolved_by: string | null;
    /** The alert that replaced this one when the finding worsened. */
    superseded_by: string | null;
  };
  /** Append-only: every transition, and the replay log of live delivery (`seq` is the cursor). */
  alert_events: {
    seq: Generated<number>;
    alert_id: string;
    pt: string;
    /** raised | routed | escalated | acknowledged | recovering | relapsed | resolved | superseded */
    kind: string;
    actor: string;
    at: number;
  };
  /** One row per (alert, recipient, channel). */
  alert_deliveries: {
    alert_id: string;
    recipient: string;
    /** The recipient's role in the episode when alerted (`on-call` for a named user outside it). */
    role: string;
    channel: string;
    /** queued | delivered | seen | failed */
    status: string;
    attempts: number;
    last_error: string | null;
    /** The step of the chain that named this recipient. */
    step: number;
    /** The last change (for e-mail and webhooks: the last attempt, from which the next is timed). */
    at: number;
    /** E-mail and webhooks: the event the delivery carries (in-app: null). */
    event_seq: number | null;
  };
  /** The daily digest (alerts/digest.ts): one row per person and UTC day it was sent. */
  alert_digests: {
    user_id: string;
    /** YYYY-MM-DD (UTC). */
    day: string;
    sent_at: number;
  };
}
