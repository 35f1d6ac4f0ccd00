import { ApiError, describeError } from '../session/api.js';
import { CRITICALITY_LABEL } from '../records/view.js';
import type {
  AlertAction,
  AlertEventFrame,
  AlertState,
  AlertView,
  Delivery,
} from '../api/alerts.js';

/**
 * What the alert inbox says, kept apart from React so it can be unit tested:
 * states, events and refusals in words, and what a screen reader is told
 * when an alert arrives (docs/web-app.md, "Alerts").
 */

export const STATE_TEXT: Record<AlertState, string> = {
  raised: 'Raised, not yet acknowledged',
  escalated: 'Escalated, not yet acknowledged',
  acknowledged: 'Acknowledged',
  resolved: 'Resolved',
};

/**
 * The state in words. An acknowledged alert someone escalated to ask for
 * help is `escalated` with an acknowledgement; the family's view does not
 * carry who acknowledged, so it says the state alone.
 */
export function alertStateText(a: AlertView): string {
  if (a.view === 'minimal') return a.state[0]!.toUpperCase() + a.state.slice(1);
  if (a.state === 'escalated' && a.acknowledgedAt !== null)
    return 'Acknowledged; more help asked (escalated)';
  return STATE_TEXT[a.state];
}

export const DELIVERY_TEXT: Record<Delivery['status'], string> = {
  queued: 'queued',
  delivered: 'delivered',
  seen: 'seen',
  failed: 'failed',
};

/** Delivery channels (docs/alerts.md: in-app, and e-mail and webhooks where configured). */
export function channelText(channel: string): string {
  return channel === 'in-app' ? 'in the app' : channel === 'email' ? 'e-mail' : channel;
}

export const ACTION_TEXT: Record<AlertAction, string> = {
  acknowledge: 'Acknowledge',
  escalate: 'Escalate',
  resolve: 'Resolve',
};

const EVENT_TEXT: Record<string, string> = {
  raised: 'raised',
  routed: 'sent to the care team',
  escalated: 'escalated',
  acknowledged: 'acknowledged',
  recovering: 'recovering',
  relapsed: 'worse again',
  resolved: 'resolved',
  superseded: 'replaced by a more critical alert',
};

/** The family's and insurer's view carries no finding: the page says why. */
export const WITHHELD_TEXT = 'Details withheld at your level';

/** "step 1 of the escalation chain (first contacts)"; steps are 0-based on the wire. */
export function stepText(step: number): string {
  return step === 0
    ? 'Step 1 of the escalation chain (first contacts)'
    : `Step ${step + 1} of the escalation chain`;
}

/** "the responder and doctor" (as the server's summary joins them). */
export function rolesText(roles: string[]): string {
  if (roles.length === 0) return 'nobody yet';
  if (roles.length === 1) return `the ${roles[0]}`;
  return `the ${roles.slice(0, -1).join(', ')} and ${roles[roles.length - 1]}`;
}

/** Who did it: "you", a system actor in words, or the user id. */
export function actorText(actor: string | null | undefined, me: string): string {
  if (!actor) return 'someone';
  if (actor === me) return 'you';
  if (actor === 'system:superseded') return 'the platform (a more critical alert replaced it)';
  if (actor === 'system:recovered') return 'the platform (the patient recovered)';
  if (actor.startsWith('system')) return 'the platform';
  return actor;
}

/**
 * What is announced when an event arrives live. High alerts are announced
 * assertively (role="alert", interrupting), the others politely.
 */
export function announcement(e: AlertEventFrame, me: string): { text: string; assertive: boolean } {
  const cl = CRITICALITY_LABEL[e.alert.cl].text;
  const what = EVENT_TEXT[e.kind] ?? e.kind;
  const by =
    e.actor && ['acknowledged', 'resolved', 'escalated'].includes(e.kind)
      ? ` by ${actorText(e.actor, me)}`
      : '';
  return {
    text: `${cl} alert for ${e.alert.pt} ${what}${by}.`,
    assertive: e.alert.cl === 'high' && ['raised', 'escalated', 'relapsed'].includes(e.kind),
  };
}

/** An action the server refused, in words (docs/alerts.md, "API"). */
export function actionRefusal(err: unknown, action: AlertAction): string {
  if (!(err instanceof ApiError) || err.status === 401 || err.status === 0)
    return describeError(err);
  switch (err.code) {
    case 'already_acknowledged':
      return 'Someone has already acknowledged this alert.';
    case 'no_further_step':
      return 'There is nobody further to escalate to: every step of the chain has been alerted.';
    case 'alert_resolved':
      return 'This alert is already resolved.';
    case 'alert_changed':
      return 'Someone else changed this alert at the same moment. Look again, then try again.';
    case 'not_allowed':
      return `You may not ${action} this alert: ${err.message}.`;
    case 'unknown_alert':
      return 'This alert is not known, or not one of your patients’.';
    default:
      return describeError(err);
  }
}

/** Why an alert could not be opened (GET /app/alerts/:id). */
export function loadProblem(err: unknown): string {
  if (err instanceof ApiError && err.code === 'unknown_alert')
    return 'This alert is not known, or not one of your patients’.';
  if (err instanceof ApiError && err.code === 'bad_request') return 'That is not an alert id.';
  return describeError(err);
}

/** The finding's sentence, or why there is none. */
export function findingText(a: AlertView): string {
  if (a.view === 'minimal') return `${WITHHELD_TEXT}. ${a.summary}`;
  return a.text ?? 'The finding is no longer readable (the patient’s key was erased).';
}
