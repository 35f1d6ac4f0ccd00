import { rank, type Confidentiality } from '../../protocol/levels.js';
import type { AlertView, FullAlertView, MinimalAlertView } from '../../protocol/alert.js';
import type { Alert } from './model.js';

/**
 * Who sees what of an alert (issue 5 item 4). A recipient whose AL is N or
 * above (nurse, responder, doctor, the patient) sees the finding: its rule,
 * its sentence and the whole lifecycle. Below N (family L, insurer M, …)
 * the finding is health data they may not read: they learn only that an
 * alert of that CL was raised for their patient, its state, and which roles
 * were alerted ("the nurse was alerted"), never the values, text or rule.
 * No AL (admin, dpo) is treated as the lowest. This is the one place that
 * decides; the API and live delivery both call it.
 */
export const FULL_VIEW_AL: Confidentiality = 'N';

export interface AlertFacts extends Alert {
  /** The finding's sentence, opened (null: not readable, e.g. after erasure). */
  text: string | null;
  /** Roles alerted so far, in the order the chain alerted them. */
  alerted: string[];
}

export type { AlertView, FullAlertView, MinimalAlertView };

/** Whether a reader at `al` may see the finding itself. */
export function seesFinding(al: Confidentiality | null): boolean {
  return al !== null && rank(al) >= rank(FULL_VIEW_AL);
}

export function alertView(al: Confidentiality | null, a: AlertFacts): AlertView {
  if (seesFinding(al))
    return {
      view: 'full',
      id: a.id,
      pt: a.pt,
      cl: a.cl,
      state: a.state,
      rule: a.rule,
      text: a.text,
      step: a.step,
      recovering: a.recovering,
      raisedAt: a.raisedAt,
      lastSeenAt: a.lastSeenAt,
      acknowledgedAt: a.acknowledgedAt,
      acknowledgedBy: a.acknowledgedBy,
      resolvedAt: a.resolvedAt,
      resolvedBy: a.resolvedBy,
      supersededBy: a.supersededBy,
      alerted: a.alerted,
    };
  return {
    view: 'minimal',
    id: a.id,
    pt: a.pt,
    cl: a.cl,
    state: a.state,
    raisedAt: a.raisedAt,
    resolvedAt: a.resolvedAt,
    alerted: a.alerted,
    summary: summary(a),
  };
}

function summary(a: AlertFacts): string {
  const who = a.alerted.length
    ? `the ${joinAnd(a.alerted)} ${a.alerted.length > 1 ? 'were' : 'was'} alerted`
    : 'nobody could be alerted yet';
  const state = a.state === 'resolved' ? ' It is resolved.' : '';
  return `A ${a.cl} alert was raised; ${who}.${state}`;
}

function joinAnd(xs: string[]): string {
  return xs.length <= 1 ? xs.join('') : `${xs.slice(0, -1).join(', ')} and ${xs[xs.length - 1]}`;
}
