import type { Criticality } from '../../../protocol/levels.js';
import type { Api } from '../session/api.js';

/**
 * Alerts as the platform shows them (docs/alerts.md; routes in
 * src/app-server/api/alert-routes.ts, views in src/app-server/alerts/view.ts).
 * A reader at AL N or above gets the `full` view (the finding's sentence, who
 * acknowledged); below it (family, insurer) the `minimal` one: that an alert
 * of this CL was raised, its state, and which roles were alerted.
 */
export type AlertCl = Exclude<Criticality, 'low'>;
export const ALERT_STATES = ['raised', 'escalated', 'acknowledged', 'resolved'] as const;
export type AlertState = (typeof ALERT_STATES)[number];

export interface FullAlertView {
  view: 'full';
  id: string;
  pt: string;
  cl: AlertCl;
  state: AlertState;
  rule: string;
  /** null: no longer readable (the patient's key is erased). */
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
  alerted: string[];
}

export interface MinimalAlertView {
  view: 'minimal';
  id: string;
  pt: string;
  cl: AlertCl;
  state: AlertState;
  raisedAt: number;
  resolvedAt: number | null;
  alerted: string[];
  summary: string;
}

export type AlertView = FullAlertView | MinimalAlertView;

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

export type AlertAction = 'acknowledge' | 'escalate' | 'resolve';

/** One frame of GET /app/alerts/live (alert-live.ts, alerts/live.ts). */
export interface AlertEventFrame {
  type: 'event';
  seq: number;
  kind: string;
  at: number;
  actor?: string;
  alert: AlertView;
}
export interface ReplayFrame {
  type: 'replay';
  events: AlertEventFrame[];
  upTo: number;
  more: boolean;
}
export type AlertFrame = AlertEventFrame | ReplayFrame;

const seg = (s: string) => encodeURIComponent(s);

export const alertsApi = (api: Api) => ({
  list: async () => (await api<{ alerts: AlertView[] }>('GET', '/app/alerts')).alerts,
  get: (id: string) =>
    api<{ alert: AlertView; deliveries?: Delivery[] }>('GET', `/app/alerts/${seg(id)}`),
  act: async (id: string, action: AlertAction) =>
    (await api<{ alert: AlertView }>('POST', `/app/alerts/${seg(id)}/${action}`)).alert,
});
