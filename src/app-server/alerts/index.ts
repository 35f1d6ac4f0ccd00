/**
 * The alert lifecycle, routing by responsiveness and live in-app delivery
 * (issue 5 items 2, 3, 4 in-app; docs/alerts.md).
 */
export { AlertEngine, type AlertEngineOptions } from './engine.js';
export { AlertReader } from './reader.js';
export { AlertAudience, type Hearing } from './audience.js';
export { AlertLive } from './live.js';
export {
  loadEscalation,
  parseEscalation,
  type AlertingCl,
  type EscalationConfig,
} from './escalation.js';
export { raisedReaders } from './responder.js';
export { recipientsOf, type EpisodeMember } from './routing.js';
export { alertView, seesFinding, FULL_VIEW_AL, type AlertFacts, type AlertView } from './view.js';
export type { Alert, AlertEvent, AlertState, Delivery } from './model.js';
export { alertOutbound, createAlerts, type Alerts } from './setup.js';
export { AlertOutbound, type SigningEndpoint } from './outbound.js';
export { AlertDigest, digestMail } from './digest.js';
