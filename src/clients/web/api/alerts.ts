import type { Api } from '../session/api.js';

/**
 * Alerts as the platform shows them (docs/alerts.md; routes in
 * src/app-server/api/alert-routes.ts, views in src/app-server/alerts/view.ts).
 * A reader at AL N or above gets the `full` view (the finding's sentence, who
 * acknowledged); below it (family, insurer) the `minimal` one: that an alert
 * of this CL was raised, its state, and which roles were alerted.
 */
export {
  ALERT_STATES,
  type AlertCl,
  type AlertState,
  type AlertView,
  type Delivery,
  type FullAlertView,
  type MinimalAlertView,
} from '../../../protocol/alert.js';
import type { AlertView, Delivery } from '../../../protocol/alert.js';

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
