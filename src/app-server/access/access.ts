import type { User } from '../directory/directory.js';
import type { Role } from '../directory/roles.js';
import type { Participant } from '../episodes/store.js';
import type {
  PolicyContext,
  PolicyDecision,
  PolicyEngine,
  PolicyPrincipal,
  PolicyRequest,
  PurposeOfUse,
} from '../policy/index.js';

/** The purpose of use assumed when a caller names none: the one their role exists for. */
const USUAL_PURPOSE: Record<Role, PurposeOfUse | undefined> = {
  patient: 'TREAT',
  doctor: 'TREAT',
  nurse: 'TREAT',
  responder: 'TREAT',
  family: 'TREAT',
  insurer: 'HPAYMT',
  researcher: 'HRESCH',
  admin: undefined,
  dpo: undefined,
};

export interface AccessContext {
  /** HL7 PurposeOfUse the caller states; absent: the usual one of their role in the episode. */
  purposeOfUse?: PurposeOfUse | undefined;
  epoch?: number;
  openHighAlert?: boolean;
  /** The caller holds an open break-the-glass grant for this patient (emergency/). */
  breakGlass?: boolean;
  /** Why the glass is broken (breakGlass). */
  reason?: string;
  target?: PolicyContext['target'];
}

/**
 * The application server's policy decision point: turns who is asking
 * (the authenticated user and their participation in the patient's care
 * episode) into the plain request of the Cedar engine (policy/), so that
 * every route asks the versioned policies rather than deciding itself.
 * Emergency treatment (ETREAT) is never assumed: it must be stated.
 */
export class Access {
  constructor(readonly policies: PolicyEngine) {}

  principal(user: User): PolicyPrincipal {
    return { id: user.id, role: user.role, al: user.al, mfa: user.mfa ?? false };
  }

  /**
   * The context of a request about one patient. A participant who reads no
   * version (admin, dpo: AL null) is given U here; the staff policies
   * forbid them every clinical read whatever their level.
   */
  context(p: Participant | undefined, extra: AccessContext = {}): PolicyContext {
    // A break-the-glass grant was opened for emergency treatment: that is its purpose.
    const purpose =
      extra.purposeOfUse ?? (extra.breakGlass ? 'ETREAT' : USUAL_PURPOSE[p?.role ?? 'admin']);
    return {
      ...(p
        ? {
            participant: {
              role: p.role,
              al: p.al ?? 'U',
              history: p.history,
              joinedEpoch: p.joinedEpoch,
            },
          }
        : {}),
      ...(purpose ? { purposeOfUse: purpose } : {}),
      ...(extra.epoch !== undefined ? { epoch: extra.epoch } : {}),
      ...(extra.openHighAlert !== undefined ? { openHighAlert: extra.openHighAlert } : {}),
      ...(extra.breakGlass !== undefined ? { breakGlass: { active: extra.breakGlass } } : {}),
      ...(extra.reason !== undefined ? { reason: extra.reason } : {}),
      ...(extra.target ? { target: extra.target } : {}),
    };
  }

  /** The full decision (with the deciding policies' ids, for the audit trail). */
  decide(
    user: User,
    action: PolicyRequest['action'],
    resource: PolicyRequest['resource'],
    p: Participant | undefined,
    extra?: AccessContext,
  ): PolicyDecision {
    return this.policies.authorize({
      principal: this.principal(user),
      action,
      resource,
      context: this.context(p, extra),
    });
  }

  /** The highest RL whose version of `pt` the user may read, or undefined. */
  readableLevel(user: User, pt: string, p: Participant | undefined, extra?: AccessContext) {
    return this.policies.readableLevel(this.principal(user), pt, this.context(p, extra));
  }
}
