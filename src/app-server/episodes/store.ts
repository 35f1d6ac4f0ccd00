import { sql } from 'kysely';
import type { Dialect } from '../../core/db/index.js';
import { Rsc, TutelaError } from '../../core/errors.js';
import { randomId } from '../../core/ids.js';
import { isConfidentiality, type Confidentiality } from '../../protocol/levels.js';
import { isRole, type Role } from '../directory/roles.js';
import type { AppDb } from '../store/db.js';
import { Semaphore } from './lock.js';

/**
 * How many patient locks one process holds at once on PostgreSQL: each
 * holds a pooled connection (the pool has 10), and the work inside needs
 * connections of its own.
 */
const HELD_LOCKS = 4;

/** A person's participation in a patient's care episode. */
export interface Participant {
  id: string;
  episode: string;
  pt: string;
  user: string;
  role: Role;
  al: Confidentiality | null;
  history: boolean;
  joinedAt: number;
  joinedEpoch: number;
  invitedBy: string;
  leftAt: number | null;
}

export interface NewParticipant {
  user: string;
  role: Role;
  al: Confidentiality | null;
  history: boolean;
  joinedEpoch: number;
  invitedBy: string;
}

export interface PendingRevocation {
  id: string;
  pt: string;
  participant: string;
  user: string;
}

type Row = {
  id: string;
  episode: string;
  pt: string;
  user_id: string;
  role: string;
  al: string | null;
  history: number;
  joined_at: number;
  joined_epoch: number;
  invited_by: string;
  left_at: number | null;
};

function toParticipant(r: Row): Participant {
  if (!isRole(r.role) || (r.al !== null && !isConfidentiality(r.al)))
    throw new TutelaError(
      'episode_corrupt',
      Rsc.INTERNAL_SERVER_ERROR,
      `participant ${r.id} has an invalid role or AL`,
    );
  return {
    id: r.id,
    episode: r.episode,
    pt: r.pt,
    user: r.user_id,
    role: r.role,
    al: r.al,
    history: r.history === 1,
    joinedAt: Number(r.joined_at),
    joinedEpoch: Number(r.joined_epoch),
    invitedBy: r.invited_by,
    leftAt: r.left_at === null ? null : Number(r.left_at),
  };
}

/** A unique-index violation in SQLite or PostgreSQL (a concurrent invite of the same person). */
function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown };
  return (
    e.code === '23505' ||
    e.code === 'SQLITE_CONSTRAINT_UNIQUE' ||
    (typeof e.message === 'string' && e.message.includes('UNIQUE constraint failed'))
  );
}

/** The episode tables (store/episode-tables.ts): reads and the few writes, each in one statement or transaction. */
export class EpisodeStore {
  constructor(
    private readonly db: AppDb,
    private readonly dialect: Dialect,
    private readonly now: () => number = Date.now,
  ) {}

  private readonly holders = new Semaphore(HELD_LOCKS);

  /**
   * Runs `work` holding the patient's lock across processes: on PostgreSQL
   * a session advisory lock on one pooled connection, held while `work`
   * talks to the CSE (a transaction would stay open that long), so that
   * application-server workers sharing the database change one patient's
   * episode one at a time. SQLite is the embedded mode's, with one
   * application server: the in-process lock (lock.ts) is enough there.
   */
  async exclusive<T>(pt: string, work: () => Promise<T>): Promise<T> {
    if (this.dialect !== 'postgres') return work();
    const key = `tutela.episode:${pt}`;
    return this.holders.run(() =>
      this.db.connection().execute(async (conn) => {
        await sql`select pg_advisory_lock(hashtextextended(${key}, 0))`.execute(conn);
        try {
          return await work();
        } finally {
          await sql`select pg_advisory_unlock(hashtextextended(${key}, 0))`.execute(conn);
        }
      }),
    );
  }

  private current() {
    return this.db
      .selectFrom('participants')
      .innerJoin('episodes', 'episodes.id', 'participants.episode')
      .select([
        'participants.id',
        'participants.episode',
        'episodes.pt',
        'participants.user_id',
        'participants.role',
        'participants.al',
        'participants.history',
        'participants.joined_at',
        'participants.joined_epoch',
        'participants.invited_by',
        'participants.left_at',
      ])
      .where('episodes.closed_at', 'is', null)
      .where('participants.left_at', 'is', null);
  }

  /** The patient's open episode id, if the patient has one. */
  async openEpisode(pt: string): Promise<string | undefined> {
    const row = await this.db
      .selectFrom('episodes')
      .select('id')
      .where('pt', '=', pt)
      .where('closed_at', 'is', null)
      .executeTakeFirst();
    return row?.id;
  }

  /** Opens the patient's episode unless one is open; returns its id and whether it is new. */
  async ensureEpisode(pt: string): Promise<{ id: string; opened: boolean }> {
    const known = await this.openEpisode(pt);
    if (known) return { id: known, opened: false };
    const id = `ep-${randomId()}`;
    try {
      await this.db
        .insertInto('episodes')
        .values({ id, pt, opened_at: this.now(), closed_at: null })
        .execute();
      return { id, opened: true };
    } catch (err) {
      const raced = isUniqueViolation(err) ? await this.openEpisode(pt) : undefined;
      if (!raced) throw err;
      return { id: raced, opened: false };
    }
  }

  /** The person's current participation in the patient's open episode. */
  async participant(pt: string, user: string): Promise<Participant | undefined> {
    const row = await this.current()
      .where('episodes.pt', '=', pt)
      .where('participants.user_id', '=', user)
      .executeTakeFirst();
    return row && toParticipant(row);
  }

  /** The current participants of the patient's open episode: the patient first, then by join time and id. */
  async participants(pt: string): Promise<Participant[]> {
    const rows = await this.current()
      .where('episodes.pt', '=', pt)
      .orderBy('participants.joined_at')
      .orderBy('participants.user_id')
      .execute();
    const all = rows.map(toParticipant);
    return [...all.filter((p) => p.role === 'patient'), ...all.filter((p) => p.role !== 'patient')];
  }

  /** Every current participation of a person, by patient. */
  async participationsOf(user: string): Promise<Participant[]> {
    const rows = await this.current()
      .where('participants.user_id', '=', user)
      .orderBy('episodes.pt')
      .execute();
    return rows.map(toParticipant);
  }

  /** Has this person ever taken part in this episode (a removal is not undone by provisioning again)? */
  async everJoined(episode: string, user: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('participants')
      .select('id')
      .where('episode', '=', episode)
      .where('user_id', '=', user)
      .executeTakeFirst();
    return row !== undefined;
  }

  /** Adds a participant; 409 `already_participant` if they take part already. */
  async add(episode: string, pt: string, p: NewParticipant): Promise<Participant> {
    const row: Row = {
      id: `pa-${randomId()}`,
      episode,
      pt,
      user_id: p.user,
      role: p.role,
      al: p.al,
      history: p.history ? 1 : 0,
      joined_at: this.now(),
      joined_epoch: p.joinedEpoch,
      invited_by: p.invitedBy,
      left_at: null,
    };
    try {
      const { pt: _pt, ...values } = row;
      await this.db
        .insertInto('participants')
        .values({ ...values, removed_by: null })
        .execute();
    } catch (err) {
      if (isUniqueViolation(err))
        throw new TutelaError(
          'already_participant',
          Rsc.CONFLICT,
          `${p.user} already takes part in the care of ${pt}`,
        );
      throw err;
    }
    return toParticipant(row);
  }

  /**
   * Ends a participation and records the revocation still to do, in one
   * transaction: from its commit on, no key is released to them, and a crash
   * before the rest is done leaves a row that the next start finishes.
   * Undefined when they were no longer a participant (a concurrent removal).
   */
  async end(p: Participant, removedBy: string): Promise<PendingRevocation | undefined> {
    const at = this.now();
    return this.db.transaction().execute(async (tx) => {
      const res = await tx
        .updateTable('participants')
        .set({ left_at: at, removed_by: removedBy })
        .where('id', '=', p.id)
        .where('left_at', 'is', null)
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1) return undefined;
      const rev = { id: `rv-${randomId()}`, pt: p.pt, participant: p.id, user: p.user };
      await tx
        .insertInto('revocations')
        .values({
          id: rev.id,
          pt: rev.pt,
          participant: rev.participant,
          user_id: rev.user,
          created_at: at,
          attempts: 0,
          last_error: null,
          done_at: null,
        })
        .execute();
      return rev;
    });
  }

  async revocationDone(id: string): Promise<number> {
    const at = this.now();
    await this.db.updateTable('revocations').set({ done_at: at }).where('id', '=', id).execute();
    return at;
  }

  /** Records a failed attempt (the message is an error text, never health data or a secret). */
  async revocationFailed(id: string, message: string): Promise<void> {
    await this.db
      .updateTable('revocations')
      .set((eb) => ({ attempts: eb('attempts', '+', 1), last_error: message.slice(0, 500) }))
      .where('id', '=', id)
      .execute();
  }

  async pendingRevocations(): Promise<PendingRevocation[]> {
    const rows = await this.db
      .selectFrom('revocations')
      .select(['id', 'pt', 'participant', 'user_id'])
      .where('done_at', 'is', null)
      .orderBy('created_at')
      .execute();
    return rows.map((r) => ({ id: r.id, pt: r.pt, participant: r.participant, user: r.user_id }));
  }
}
