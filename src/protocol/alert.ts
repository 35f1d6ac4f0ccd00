import type { Criticality } from './levels.js';

/**
 * Alerts on the wire (issue 5; docs/alerts.md): what GET /app/alerts and the
 * live channel send, shared by the application server that builds the views
 * (app-server/alerts/view.ts) and the clients that show them.
 */
export const ALERT_STATES = ['raised', 'acknowledged', 'escalated', 'resolved'] as const;
export type AlertState = (typeof ALERT_STATES)[number];
/** Findings of criticality low raise no alert. */
export type AlertCl = Exclude<Criticality, 'low'>;

/** What a reader at AL N or above sees: the finding and the whole lifecycle. */
export interface FullAlertView {
  view: 'full';
  id: string;
  pt: string;
  cl: AlertCl;
  state: AlertState;
  rule: string;
  /** The finding's sentence; null: no longer readable (the patient's key is erased). */
  text: string | null;
  step: number;
  recovering: boolean;
  raisedAt: number;
  lastSeenAt: number;
  acknowledgedAt: number | null;
  acknowledgedBy: string | null;
  resolvedAt: number | null;
  resolvedBy: string | null;
  supersededBy: string | null;
  /** Roles alerted so far, in the order the chain alerted them. */
  alerted: string[];
}

/** What a reader below N (family, insurer) sees: that an alert was raised, never what was found. */
export interface MinimalAlertView {
  view: 'minimal';
  id: string;
  pt: string;
  cl: AlertCl;
  state: AlertState;
  raisedAt: number;
  resolvedAt: number | null;
  alerted: string[];
  /** e.g. "A high alert was raised; the responder and the doctor were alerted." */
  summary: string;
}

export type AlertView = FullAlertView | MinimalAlertView;

/** One recipient's delivery of an alert on one channel (in-app, email, webhook). */
export interface Delivery {
  recipient: string;
  role: string;
  channel: string;
  status: 'queued' | 'delivered' | 'seen' | 'failed';
  attempts: number;
  lastError: string | null;
  step: number;
  at: number;
}
