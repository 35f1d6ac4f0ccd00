import { Rsc, TutelaError } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import type { M2MClient } from '../../core/m2m/index.js';
import { rank, type Confidentiality } from '../../protocol/levels.js';
import type { AuditLog } from '../audit/audit.js';
import type { Directory, User } from '../directory/directory.js';
import { defaultAl, type Role } from '../directory/roles.js';
import type { Keyring } from '../keyring/keyring.js';
import { deleteSubscriptions, upsertReaderAcps, type Reader } from '../layout/patient-layout.js';
import type { Access } from '../access/access.js';
import { allowedLevels, historyByDefault } from './defaults.js';
import { PatientLocks } from './lock.js';
import type { EpisodeStore, Participant, PendingRevocation } from './store.js';

export interface CareEpisodesOptions {
  store: EpisodeStore;
  directory: Pick<Directory, 'user'>;
  keyring: Pick<Keyring, 'rotate' | 'currentEpoch'>;
  audit: AuditLog;
  /** The policy decision point: who may view the episode, invite, remove (policies/). */
  access: Access;
  /** The application server's own client of the CSE (available once connected). */
  cse: () => M2MClient;
  cseRn: string;
  log: Logger;
  /** People admitted to the patient's containers besides the participants (break-the-glass grants). */
  guests?: (pt: string) => Promise<Reader[]>;
  /** Participants admitted above their AL for now (a responder during an open high alert: alerts/). */
  raised?: (pt: string) => Promise<Reader[]>;
}

export interface Invitation {
  user: string;
  role: Role;
  al?: Confidentiality | undefined;
  history?: boolean | undefined;
}

export interface EpisodeView {
  pt: string;
  episode: string;
  participants: Participant[];
}

const refuse = (code: string, msg: string) =>
  new TutelaError(code, Rsc.ORIGINATOR_HAS_NO_PRIVILEGE, msg);
const bad = (code: string, msg: string) => new TutelaError(code, Rsc.BAD_REQUEST, msg);
const notInEpisode = (pt: string) =>
  refuse('not_in_episode', `you take no part in the care episode of ${pt}`);

/**
 * Care episodes (ISSUE-4 item 3): who takes part in each patient's care,
 * with which role and AL. Joining gives access from that moment (the
 * patient's epoch is rotated, so "from now" is a key boundary); leaving
 * revokes everything before the call returns, in the order of
 * docs/episodes.md. Invitations and removals of one patient run one at a
 * time; every one, allowed or refused, is audited.
 */
export class CareEpisodes {
  private readonly locks = new PatientLocks();

  constructor(private readonly o: CareEpisodesOptions) {}

  /** Runs `work` while no invitation or removal of this patient runs (here or in another worker). */
  locked<T>(pt: string, work: () => Promise<T>): Promise<T> {
    return this.locks.run(pt, () => this.o.store.exclusive(pt, work));
  }

  /** The person's current participation in the patient's episode (the key service asks this). */
  participation(pt: string, user: string): Promise<Participant | undefined> {
    return this.o.store.participant(pt, user);
  }

  /** The patient's own users taking part in their episode (told of emergency access). */
  async patientUsers(pt: string): Promise<string[]> {
    return (await this.o.store.participants(pt))
      .filter((p) => p.role === 'patient')
      .map((p) => p.user);
  }

  /** The patient's current participants (alert routing picks recipients among them by role). */
  participants(pt: string): Promise<Participant[]> {
    return this.o.store.participants(pt);
  }

  /** Everyone's current participations, by patient (GET /app/me). */
  participationsOf(user: string): Promise<Participant[]> {
    return this.o.store.participationsOf(user);
  }

  /** The episode's participants as the per-RL ACPs must admit them. */
  async readers(pt: string): Promise<Reader[]> {
    const participants = (await this.o.store.participants(pt)).map((p) => ({
      id: p.user,
      al: p.al,
    }));
    const guests = (await this.o.guests?.(pt)) ?? [];
    const raised = (await this.o.raised?.(pt)) ?? [];
    const above = (r: Reader, p: Reader) =>
      r.al !== null && (p.al === null || rank(r.al) > rank(p.al));
    return [
      ...participants.map((p) => raised.find((r) => r.id === p.id && above(r, p)) ?? p),
      ...guests.filter((g) => !participants.some((p) => p.id === g.id)),
    ];
  }

  /**
   * Brings the patient's ACPs up to the current readers and, for someone who
   * just lost access there (`lost`), deletes their subscriptions first; the
   * CSE cuts the channel of an AE an ACP update leaves out.
   */
  refreshAccess(pt: string, lost?: string): Promise<void> {
    return this.locked(pt, async () => {
      if (lost && !(await this.o.store.participant(pt, lost)))
        await deleteSubscriptions(this.o.cse(), this.o.cseRn, pt, lost);
      await upsertReaderAcps(this.o.cse(), this.o.cseRn, pt, await this.readers(pt));
    });
  }

  /**
   * Opens the patient's episode at provisioning (idempotent): the patient
   * (their user, if given) joins when the episode has no patient yet, and
   * each of `team` joins with their account's role and its default AL unless
   * they ever took part (someone removed stays removed). Call under `locked`.
   */
  async open(pt: string, people: { patient?: string | undefined; team: string[] }): Promise<void> {
    const { id: episode, opened } = await this.o.store.ensureEpisode(pt);
    const current = await this.o.store.participants(pt);
    const joining: string[] = [];
    if (people.patient && !current.some((p) => p.role === 'patient')) joining.push(people.patient);
    for (const u of people.team)
      if (!joining.includes(u) && !(await this.o.store.everJoined(episode, u))) joining.push(u);
    if (joining.length === 0) return;
    // A new episode has no data before it; joining an existing one starts a new epoch.
    const epoch = opened ? await this.o.keyring.currentEpoch(pt) : await this.o.keyring.rotate(pt);
    for (const id of joining) {
      const user = await this.o.directory.user(id);
      if (!user)
        throw new TutelaError('unknown_user', Rsc.NOT_FOUND, `no user ${id} in the directory`);
      if (id === people.patient && user.role !== 'patient')
        throw bad('role_mismatch', `${id} is a ${user.role}, not a patient`);
      await this.o.store.add(episode, pt, {
        user: id,
        role: user.role,
        al: defaultAl(user.role),
        history: historyByDefault(user.role),
        joinedEpoch: epoch,
        invitedBy: 'system',
      });
      await this.audit('system', 'episode.invite', pt, 'ok', `${id} as ${user.role}`);
    }
  }

  /** GET /app/episodes/:pt */
  async view(pt: string, caller: User | string): Promise<EpisodeView> {
    const user = await this.who(caller);
    const callerId = user?.id ?? String(caller);
    const own = await this.o.store.participant(pt, callerId);
    if (
      !own ||
      !user ||
      !this.o.access.decide(user, 'viewEpisode', { kind: 'episode', pt }, own).allowed
    ) {
      await this.audit(callerId, 'episode.view', pt, 'refused', 'not in episode');
      throw notInEpisode(pt);
    }
    return { pt, episode: own!.episode, participants: await this.o.store.participants(pt) };
  }

  /** POST /app/episodes/:pt/participants: access from this moment on. */
  invite(pt: string, caller: User | string, inv: Invitation): Promise<Participant> {
    return this.locked(pt, async () => {
      const by = await this.who(caller);
      const callerId = by?.id ?? String(caller);
      const refused = async (err: TutelaError) => {
        await this.audit(callerId, 'episode.invite', pt, 'refused', `${inv.user}: ${err.code}`);
        return err;
      };
      const own = await this.o.store.participant(pt, callerId);
      if (!own || !by) throw await refused(notInEpisode(pt));
      const al = inv.al ?? defaultAl(inv.role);
      const asked = { user: inv.user, role: inv.role, ...(al ? { al } : {}) };
      const decision = this.o.access.decide(by, 'invite', { kind: 'episode', pt }, own, {
        target: asked,
      });
      if (!decision.allowed)
        throw await refused(
          refuse(
            'not_allowed',
            `as ${own.role} you may not invite a ${inv.role}${al ? ` at ${al}` : ''} to ${pt}`,
          ),
        );
      const user = await this.o.directory.user(inv.user);
      if (!user)
        throw await refused(
          new TutelaError('unknown_user', Rsc.NOT_FOUND, `no user ${inv.user} in the directory`),
        );
      // The role is the person's own (a family member cannot be made a doctor by an invitation).
      if (user.role !== inv.role)
        throw await refused(
          bad('role_mismatch', `${inv.user} is a ${user.role}, not a ${inv.role}`),
        );
      const levels = allowedLevels(inv.role);
      if (al === null ? inv.al !== undefined : !levels.includes(al))
        throw await refused(
          bad(
            'level_not_allowed',
            levels.length
              ? `a ${inv.role} gets an AL of ${levels.join(', ')}`
              : `a ${inv.role} reads no clinical version: give no AL`,
          ),
        );
      if (await this.o.store.participant(pt, inv.user))
        throw await refused(
          new TutelaError(
            'already_participant',
            Rsc.CONFLICT,
            `${inv.user} already takes part in the care of ${pt}`,
          ),
        );
      const episode = own.episode;
      // A new epoch: versions sealed from now on use keys they may have; earlier ones need history.
      const joinedEpoch = await this.o.keyring.rotate(pt);
      const p = await this.o.store.add(episode, pt, {
        user: inv.user,
        role: inv.role,
        al,
        history: inv.history ?? historyByDefault(inv.role),
        joinedEpoch,
        invitedBy: callerId,
      });
      await upsertReaderAcps(this.o.cse(), this.o.cseRn, pt, await this.readers(pt));
      await this.audit(
        callerId,
        'episode.invite',
        pt,
        'ok',
        `${p.user} as ${p.role} al ${p.al ?? 'none'} history ${p.history} epoch ${joinedEpoch}`,
      );
      return p;
    });
  }

  /** DELETE /app/episodes/:pt/participants/:user: returns once everything is revoked. */
  remove(
    pt: string,
    caller: User | string,
    userId: string,
  ): Promise<{ removed: string; at: number }> {
    return this.locked(pt, async () => {
      const by = await this.who(caller);
      const callerId = by?.id ?? String(caller);
      const refused = async (err: TutelaError) => {
        await this.audit(callerId, 'episode.remove', pt, 'refused', `${userId}: ${err.code}`);
        return err;
      };
      const own = await this.o.store.participant(pt, callerId);
      if (!own || !by) throw await refused(notInEpisode(pt));
      const target = await this.o.store.participant(pt, userId);
      if (!target)
        throw await refused(
          new TutelaError('not_participant', Rsc.NOT_FOUND, `${userId} takes no part in ${pt}`),
        );
      if (target.role === 'patient')
        throw await refused(
          new TutelaError(
            'cannot_remove_patient',
            Rsc.CONFLICT,
            `the patient is the subject of the episode of ${pt}`,
          ),
        );
      const leaving = { user: target.user, role: target.role };
      if (
        !this.o.access.decide(by, 'remove', { kind: 'episode', pt }, own, { target: leaving })
          .allowed
      )
        throw await refused(
          refuse('not_allowed', `as ${own.role} you may not remove ${userId} from ${pt}`),
        );
      // 1. End the participation (and record what is left to do) in one transaction.
      const rev = await this.o.store.end(target, callerId);
      if (!rev)
        throw await refused(
          new TutelaError('not_participant', Rsc.NOT_FOUND, `${userId} takes no part in ${pt}`),
        );
      return { removed: userId, at: await this.finish(rev, callerId) };
    });
  }

  /** The caller as the policies see them: the signed-in user, or looked up by id (system, tests). */
  private async who(caller: User | string): Promise<User | undefined> {
    return typeof caller === 'string' ? this.o.directory.user(caller) : caller;
  }

  /** Finishes removals left half-done (a crash, the CSE away): run at every start. */
  async resumePending(): Promise<number> {
    let done = 0;
    for (const rev of await this.o.store.pendingRevocations()) {
      try {
        await this.locked(rev.pt, () => this.finish(rev, 'system'));
        done++;
      } catch (err) {
        this.o.log.error({ err, pt: rev.pt }, 'a pending revocation failed again');
      }
    }
    return done;
  }

  /**
   * Steps 2–6 of a removal (docs/episodes.md), each idempotent so that a
   * retry may run them all again: subscriptions deleted, ACPs without the
   * person's AE (the CSE then cuts their channel), a new epoch, the audit
   * entry, the pending row closed. A failure is recorded on the row and
   * reported as `revocation_pending`.
   */
  private async finish(rev: PendingRevocation, by: string): Promise<number> {
    try {
      await deleteSubscriptions(this.o.cse(), this.o.cseRn, rev.pt, rev.user);
      await upsertReaderAcps(this.o.cse(), this.o.cseRn, rev.pt, await this.readers(rev.pt));
      const epoch = await this.o.keyring.rotate(rev.pt);
      await this.audit(by, 'episode.remove', rev.pt, 'ok', `${rev.user}; epoch ${epoch}`);
      return await this.o.store.revocationDone(rev.id);
    } catch (err) {
      const message = err instanceof Error ? err.message : 'unknown failure';
      await this.o.store.revocationFailed(rev.id, message);
      await this.audit(by, 'episode.remove', rev.pt, 'failed', `${rev.user}: retried at start`);
      throw new TutelaError(
        'revocation_pending',
        Rsc.INTERNAL_SERVER_ERROR,
        `${rev.user} no longer takes part in ${rev.pt} and gets no key, but revoking ` +
          'their CSE access did not finish; it is retried at the next start',
        { cause: err },
      );
    }
  }

  private audit(
    actor: string,
    action: string,
    pt: string,
    outcome: 'ok' | 'refused' | 'failed',
    detail: string,
  ): Promise<void> {
    return this.o.audit.record({ actor, action, pt, outcome, detail });
  }
}
