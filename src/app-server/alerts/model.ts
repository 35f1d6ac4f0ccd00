import type { AlertCl, AlertState, Delivery } from '../../protocol/alert.js';
import type { AlertTables } from '../store/alert-tables.js';

/** Event kinds of the append-only log (alert_events), the replay log of live delivery. */
export type AlertEventKind =
  | 'raised'
  | 'routed'
  | 'escalated'
  | 'acknowledged'
  | 'recovering'
  | 'relapsed'
  | 'resolved'
  | 'superseded';

export type { AlertState, Delivery };

/** An alert as the engine and the routes handle it (the finding's text stays sealed here). */
export interface Alert {
  id: string;
  pt: string;
  rule: string;
  cl: AlertCl;
  state: AlertState;
  step: number;
  nextEscalationAt: number | null;
  raisedAt: number;
  lastSeenAt: number;
  recovering: boolean;
  acknowledgedAt: number | null;
  acknowledgedBy: string | null;
  resolvedAt: number | null;
  resolvedBy: string | null;
  supersededBy: string | null;
}

export interface AlertEvent {
  seq: number;
  alertId: string;
  pt: string;
  kind: AlertEventKind;
  actor: string;
  at: number;
}

export type AlertRow = AlertTables['alerts'];

export function toAlert(r: AlertRow): Alert {
  return {
    id: r.id,
    pt: r.pt,
    rule: r.rule,
    cl: r.cl as Alert['cl'],
    state: r.state as AlertState,
    step: r.step,
    nextEscalationAt: r.next_escalation_at,
    raisedAt: r.raised_at,
    lastSeenAt: r.last_seen_at,
    recovering: r.recovering === 1,
    acknowledgedAt: r.acknowledged_at,
    acknowledgedBy: r.acknowledged_by,
    resolvedAt: r.resolved_at,
    resolvedBy: r.resolved_by,
    supersededBy: r.superseded_by,
  };
}
