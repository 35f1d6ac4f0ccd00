import { sql, type Migration } from 'kysely';
import type { Dialect } from '../../core/db/index.js';

/** History by default (episodes/defaults.ts): the patient and the treating doctor. */
const HISTORY_ROLES = ['patient', 'doctor'];

/**
 * Migrations of the care episodes (name range 0201–0299; see migrations.ts).
 * 0201 replaces the interim `care_team` table: each patient gets one open
 * episode, each care-team member becomes a participant with their role and
 * AL, as joined at epoch 1 (they could read everything before), and
 * `care_team` is dropped.
 */
export const episodeMigrations = (_dialect: Dialect): Record<string, Migration> => ({
  '0201-app-episodes': {
    async up(db) {
      await db.schema
        .createTable('episodes')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('pt', 'text', (c) => c.notNull().references('patients.pt'))
        .addColumn('opened_at', 'bigint', (c) => c.notNull())
        .addColumn('closed_at', 'bigint')
        .execute();
      // One open episode per patient (partial index: SQLite ≥ 3.8 and PostgreSQL alike).
      await sql`create unique index episodes_open on episodes (pt) where closed_at is null`.execute(
        db,
      );
      await db.schema
        .createTable('participants')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('episode', 'text', (c) => c.notNull().references('episodes.id'))
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('al', 'text')
        .addColumn('history', 'integer', (c) => c.notNull())
        .addColumn('joined_at', 'bigint', (c) => c.notNull())
        .addColumn('joined_epoch', 'integer', (c) => c.notNull())
        .addColumn('invited_by', 'text', (c) => c.notNull())
        .addColumn('left_at', 'bigint')
        .addColumn('removed_by', 'text')
        .execute();
      // One current participation per person and episode: concurrent invites conflict here.
      await sql`create unique index participants_current on participants (episode, user_id) where left_at is null`.execute(
        db,
      );
      await db.schema
        .createIndex('participants_user')
        .on('participants')
        .columns(['user_id', 'left_at'])
        .execute();
      await db.schema
        .createTable('revocations')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('pt', 'text', (c) => c.notNull())
        .addColumn('participant', 'text', (c) => c.notNull().references('participants.id'))
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('last_error', 'text')
        .addColumn('done_at', 'bigint')
        .execute();

      // The care teams become episodes (ids derived from the patient: the migration is deterministic).
      await sql`insert into episodes (id, pt, opened_at, closed_at)
        select 'ep-' || pt, pt, created_at, null from patients`.execute(db);
      await sql`insert into participants
          (id, episode, user_id, role, al, history, joined_at, joined_epoch, invited_by, left_at, removed_by)
        select 'pa-' || c.pt || '-' || c.user_id, 'ep-' || c.pt, c.user_id, u.role,
               case when u.al = '' then null else u.al end,
               case when u.role in (${sql.join(HISTORY_ROLES)}) then 1 else 0 end,
               c.added_at, 1, 'migration', null, null
        from care_team c join users u on u.id = c.user_id`.execute(db);
      await db.schema.dropTable('care_team').execute();
    },
  },
});
