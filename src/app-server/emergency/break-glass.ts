import { Rsc, TutelaError } from '../../core/errors.js';
import { randomId } from '../../core/ids.js';
import type { Logger } from '../../core/log.js';
import type { Confidentiality } from '../../protocol/levels.js';
import type { Access } from '../access/access.js';
import type { AuditLog } from '../audit/audit.js';
import type { Directory, User } from '../directory/directory.js';
import type { Keyring } from '../keyring/keyring.js';
import type { Reader } from '../layout/patient-layout.js';
import type { AppDb } from '../store/db.js';
import { sealReason } from './reason.js';

/** How long a grant lasts unless asked otherwise, and at most (minutes). */
export const GRANT_MINUTES = { default: 60, max: 240 } as const;

export interface Grant {
  id: string;
  pt: string;
  user: string;
  openedAt: number;
  expiresAt: number;
  closedAt: number | null;
  closedBy: string | null;
}

export interface EmergencyAccessOptions {
  db: AppDb;
  keyring: Pick<Keyring, 'dataKey'>;
  directory: Pick<Directory, 'usersWithRole' | 'user'>;
  access: Access;
  audit: AuditLog;
  /** The patient's own users (participants with role patient), to be told. */
  patientsOf: (pt: string) => Promise<string[]>;
  /** Whether `user` takes part in the patient's episode (participants do not break the glass). */
  isParticipant: (pt: string, user: string) => Promise<boolean>;
  /** Brings the patient's CSE access up to date (ACPs; subscriptions of people who lost access gone). */
  refresh: (pt: string, lost?: string) => Promise<void>;
  /** Whether a high-CL alert is open for the patient (a responder then reads R: alerts/). */
  openHighAlert?: (pt: string) => Promise<boolean>;
  log: Logger;
  now?: () => number;
}

const refuse = (code: string, msg: string) =>
  new TutelaError(code, Rsc.ORIGINATOR_HAS_NO_PRIVILEGE, msg);

/**
 * Break the glass (ISSUE-4 item 5): a signed-in clinician outside a
 * patient's care episode opens emergency access with a mandatory reason.
 * The grant is time-limited (60 min by default, 240 at most), lets its
 * holder read the patient's R version for emergency treatment as the
 * policies say (policies/v1/break-glass.cedar: doctor, nurse, responder,
 * second factor), and is audited when opened, used and closed. The
 * patient and every data-protection officer get a notice at once
 * (HIPAA §164.312(a)(2)(ii) emergency access procedure; GDPR Art. 5(1)(a)).
 * The reason is sealed with the patient's key (reason.ts); notices.ts tells.
 */
export class EmergencyAccess {
  private readonly now: () => number;

  constructor(private readonly o: EmergencyAccessOptions) {
    this.now = o.now ?? Date.now;
  }

  /** Opens a grant; refused unless the policies allow this user to break the glass for `pt`. */
  async open(pt: string, user: User, reason: string, minutes: number = GRANT_MINUTES.default) {
    const why = reason.trim();
    const audit = (outcome: 'ok' | 'refused', detail: string) =>
      this.o.audit.record({ actor: user.id, action: 'emergency.open', pt, outcome, detail });
    if (!why) {
      await audit('refused', 'no reason');
      throw new TutelaError(
        'reason_required',
        Rsc.BAD_REQUEST,
        'say why you need emergency access',
      );
    }
    if (!Number.isInteger(minutes) || minutes < 1 || minutes > GRANT_MINUTES.max)
      throw new TutelaError(
        'bad_request',
        Rsc.BAD_REQUEST,
        `a grant lasts 1 to ${GRANT_MINUTES.max} minutes`,
      );
    const patient = await this.o.db
      .selectFrom('patients')
      .select('pt')
      .where('pt', '=', pt)
      .executeTakeFirst();
    if (await this.o.isParticipant(pt, user.id)) {
      await audit('refused', 'participant');
      throw new TutelaError(
        'already_participant',
        Rsc.CONFLICT,
        `you take part in the care of ${pt}: no emergency access is needed`,
      );
    }
    // The reason goes to the policies too (break-glass.reason-mandatory).
    const decision = this.o.access.decide(user, 'breakGlass', { kind: 'episode', pt }, undefined, {
      purposeOfUse: 'ETREAT',
      reason: why,
    });
    if (!decision.allowed) {
      await audit('refused', decision.reasons.join(', ') || 'no policy permits it');
      // Say "second factor" only when one would change the answer (a family member never may).
      const withMfa =
        !user.mfa &&
        this.o.access.decide(
          { ...user, mfa: true },
          'breakGlass',
          { kind: 'episode', pt },
          undefined,
          {
            purposeOfUse: 'ETREAT',
            reason: why,
          },
        ).allowed;
      throw withMfa
        ? refuse('mfa_required', 'emergency access needs a sign-in with a second factor')
        : refuse('not_allowed', `as ${user.role} you may not open emergency access`);
    }
    // Unknown patients are refused only after the policy check: outsiders learn nothing.
    if (!patient) {
      await audit('refused', 'unknown patient');
      throw new TutelaError('unknown_patient', Rsc.NOT_FOUND, `no patient ${pt} is monitored`);
    }
    const id = `bg-${randomId()}`;
    const at = this.now();
    const { sealed, epoch } = await sealReason(this.o.keyring, pt, id, why);
    const grant: Grant = {
      id,
      pt,
      user: user.id,
      openedAt: at,
      expiresAt: at + minutes * 60_000,
      closedAt: null,
      closedBy: null,
    };
    const told = [...(await this.o.patientsOf(pt)), ...(await this.dpos())];
    await this.o.db.transaction().execute(async (tx) => {
      await tx
        .insertInto('emergency_access')
        .values({
          id,
          pt,
          user_id: user.id,
          reason_sealed: sealed,
          reason_epoch: epoch,
          opened_at: at,
          expires_at: grant.expiresAt,
          closed_at: null,
          closed_by: null,
        })
        .execute();
      for (const recipient of new Set(told))
        await tx
          .insertInto('notices')
          .values({
            id: `nt-${randomId()}`,
            recipient,
            pt,
            kind: 'emergency_access',
            grant_id: id,
            created_at: at,
            read_at: null,
          })
          .execute();
    });
    await audit('ok', `${id} until ${new Date(grant.expiresAt).toISOString()} told ${told.length}`);
    await this.o.refresh(pt);
    return grant;
  }

  /** The holder's open grant for `pt`, if any (expired ones do not count, closed or not). */
  async active(pt: string, userId: string): Promise<Grant | undefined> {
    const row = await this.o.db
      .selectFrom('emergency_access')
      .selectAll()
      .where('pt', '=', pt)
      .where('user_id', '=', userId)
      .where('closed_at', 'is', null)
      .where('expires_at', '>', this.now())
      .orderBy('expires_at', 'desc')
      .executeTakeFirst();
    return row && toGrant(row);
  }

  /** The holder's open grants (GET /app/me). */
  async activeFor(userId: string): Promise<Grant[]> {
    const rows = await this.o.db
      .selectFrom('emergency_access')
      .selectAll()
      .where('user_id', '=', userId)
      .where('closed_at', 'is', null)
      .where('expires_at', '>', this.now())
      .orderBy('pt')
      .execute();
    return rows.map(toGrant);
  }

  /** Grant holders as the patient's ACPs must admit them, at the level the policies give them. */
  async readers(pt: string): Promise<Reader[]> {
    const rows = await this.o.db
      .selectFrom('emergency_access')
      .select('user_id')
      .distinct()
      .where('pt', '=', pt)
      .where('closed_at', 'is', null)
      .where('expires_at', '>', this.now())
      .execute();
    const readers: Reader[] = [];
    const openHighAlert = rows.length > 0 && (await this.o.openHighAlert?.(pt));
    for (const { user_id } of rows) {
      const user = await this.o.directory.user(user_id);
      const al: Confidentiality | undefined =
        user &&
        this.o.access.readableLevel({ ...user, mfa: true }, pt, undefined, {
          breakGlass: true,
          ...(openHighAlert ? { openHighAlert: true } : {}),
        });
      if (al) readers.push({ id: user_id, al });
    }
    return readers;
  }

  /** Ends a grant early: its holder, or the patient it concerns. */
  async close(id: string, by: User): Promise<Grant> {
    const row = await this.o.db
      .selectFrom('emergency_access')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    const mayClose =
      row && (row.user_id === by.id || (await this.o.patientsOf(row.pt)).includes(by.id));
    if (!row || !mayClose) throw new TutelaError('unknown_grant', Rsc.NOT_FOUND, `no grant ${id}`);
    if (row.closed_at === null) await this.end(row.id, row.pt, row.user_id, by.id);
    return toGrant({
      ...row,
      closed_at: row.closed_at ?? this.now(),
      closed_by: row.closed_by ?? by.id,
    });
  }

  /** Closes every grant whose time is up (run on a timer and at start); returns how many. */
  async expireDue(): Promise<number> {
    const due = await this.o.db
      .selectFrom('emergency_access')
      .select(['id', 'pt', 'user_id'])
      .where('closed_at', 'is', null)
      .where('expires_at', '<=', this.now())
      .execute();
    for (const g of due) await this.end(g.id, g.pt, g.user_id, 'expiry');
    return due.length;
  }

  private async end(id: string, pt: string, holder: string, by: string): Promise<void> {
    const res = await this.o.db
      .updateTable('emergency_access')
      .set({ closed_at: this.now(), closed_by: by })
      .where('id', '=', id)
      .where('closed_at', 'is', null)
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) === 0) return;
    await this.o.audit.record({
      actor: by === 'expiry' ? 'system' : by,
      action: 'emergency.close',
      pt,
      outcome: 'ok',
      detail: `${id} of ${holder} by ${by}`,
    });
    // The holder's subscriptions go and the ACPs no longer admit them (the CSE cuts their channel)
    // unless another open grant still covers them.
    const still = await this.active(pt, holder);
    await this.o.refresh(pt, still ? undefined : holder);
  }

  private async dpos(): Promise<string[]> {
    return (await this.o.directory.usersWithRole('dpo')).map((u) => u.id);
  }
}

function toGrant(r: {
  id: string;
  pt: string;
  user_id: string;
  opened_at: number;
  expires_at: number;
  closed_at: number | null;
  closed_by: string | null;
}): Grant {
  return {
    id: r.id,
    pt: r.pt,
    user: r.user_id,
    openedAt: r.opened_at,
    expiresAt: r.expires_at,
    closedAt: r.closed_at,
    closedBy: r.closed_by,
  };
}
