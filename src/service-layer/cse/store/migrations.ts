import { sql, type Migration } from 'kysely';
import { serialType, type Dialect } from '../../../core/db/index.js';

/** Versioned migrations of the CSE's own database (its SQLite file or PostgreSQL schema). */
export const cseMigrations = (dialect: Dialect): Record<string, Migration> => ({
  '0001-cse-resources': {
    async up(db) {
      await db.schema
        .createTable('resources')
        .addColumn('seq', serialType(dialect), (c) => c.primaryKey())
        .addColumn('ri', 'text', (c) => c.notNull().unique())
        .addColumn('ty', 'integer', (c) => c.notNull())
        .addColumn('rn', 'text', (c) => c.notNull())
        // Deleting a resource deletes its whole subtree (TS-0001 §10.1.4.1).
        .addColumn('pi', 'text', (c) => c.references('resources.ri').onDelete('cascade'))
        .addColumn('path', 'text', (c) => c.notNull().unique())
        .addColumn('creator', 'text', (c) => c.notNull())
        .addColumn('ct', 'text', (c) => c.notNull())
        .addColumn('lt', 'text', (c) => c.notNull())
        .addColumn('et', 'text')
        .addColumn('lbl', 'text', (c) => c.notNull())
        .addColumn('acpi', 'text', (c) => c.notNull())
        .addColumn('st', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('cni', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('cbs', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('attrs', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('resources_children')
        .on('resources')
        .columns(['pi', 'ty', 'seq'])
        .execute();
      await db.schema.createIndex('resources_et').on('resources').column('et').execute();
      await db.schema
        .createTable('labels')
        .addColumn('ri', 'text', (c) => c.notNull().references('resources.ri').onDelete('cascade'))
        .addColumn('lbl', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('labels_pk', ['ri', 'lbl'])
        .execute();
      await db.schema.createIndex('labels_lbl').on('labels').columns(['lbl', 'ri']).execute();
    },
  },
  '0002-cse-notifications': {
    async up(db) {
      await db.schema
        .createTable('notifications')
        .addColumn('seq', serialType(dialect), (c) => c.primaryKey())
        .addColumn('id', 'text', (c) => c.notNull().unique())
        .addColumn('sub_ri', 'text', (c) => c.notNull())
        .addColumn('target', 'text', (c) => c.notNull())
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('immediate', 'integer', (c) => c.notNull())
        .addColumn('batch', 'text')
        .addColumn('batch_num', 'integer')
        .addColumn('batch_ms', 'integer')
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('next_at', 'bigint', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('delivered_at', 'bigint')
        .execute();
      await db.schema
        .createIndex('notifications_due')
        .on('notifications')
        .columns(['status', 'next_at'])
        .execute();
      await db.schema
        .createIndex('notifications_target')
        .on('notifications')
        .columns(['target', 'seq'])
        .execute();
    },
  },
  '0003-cse-subscription-count': {
    async up(db) {
      await db.schema
        .alterTable('resources')
        .addColumn('nsub', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      await sql`UPDATE resources SET nsub = (SELECT count(*) FROM resources s WHERE s.pi = resources.ri AND s.ty = 23)`.execute(
        db,
      );
    },
  },
  '0004-cse-container-max-age': {
    async up(db) {
      // maxInstanceAge in its own indexed column: the sweeper finds such containers without scanning instances.
      await db.schema.alterTable('resources').addColumn('mia', 'bigint').execute();
      await db.schema.createIndex('resources_mia').on('resources').column('mia').execute();
      const rows = await sql<{
        ri: string;
        attrs: string;
      }>`SELECT ri, attrs FROM resources WHERE ty = 3`.execute(db);
      for (const row of rows.rows) {
        const mia = (JSON.parse(row.attrs) as { mia?: unknown }).mia;
        if (typeof mia === 'number')
          await sql`UPDATE resources SET mia = ${mia} WHERE ri = ${row.ri}`.execute(db);
      }
    },
  },
  '0005-cse-outbox-pending-index': {
    async up(db) {
      // Only pending notifications are looked for by due time: a partial index, so marking one
      // delivered just drops its entry instead of rewriting it.
      await db.schema.dropIndex('notifications_due').execute();
      await db.schema
        .createIndex('notifications_pending')
        .on('notifications')
        .columns(['next_at', 'immediate', 'seq'])
        .where(sql.ref('status'), '=', 'pending')
        .execute();
    },
  },
  '0006-cse-partial-mia-index': {
    async up(db) {
      // Instances never have a maxInstanceAge: index containers only, not a NULL per instance.
      await db.schema.dropIndex('resources_mia').execute();
      await db.schema
        .createIndex('resources_mia')
        .on('resources')
        .column('mia')
        .where(sql.ref('mia'), 'is not', null)
        .execute();
    },
  },
  '0007-cse-outbox-lean-indexes': {
    async up(db) {
      // Every notification of a group commit touches each outbox index's newest page, and
      // the commit writes those pages out. Only notifications for AEs are ever looked up by
      // target (replay to a reconnecting client, the pending ones when it connects): URL
      // targets, the common case, stay out of that index.
      await db.schema.dropIndex('notifications_target').execute();
      await db.schema
        .createIndex('notifications_replay')
        .on('notifications')
        .columns(['target', 'seq'])
        .where(sql.ref('target'), 'not like', 'http%')
        .execute();
      // Nothing looks a notification up by id, and the CSE makes the ids unique itself (the
      // time and 62 random bits, core/ids.ts): the unique index on it goes. SQLite cannot drop
      // a column's UNIQUE, so the table is copied into one without it.
      if (dialect === 'postgres') {
        await sql`ALTER TABLE notifications DROP CONSTRAINT notifications_id_key`.execute(db);
        return;
      }
      await db.schema
        .createTable('notifications_new')
        // AUTOINCREMENT: a sequence number is never given twice, even once the purge has
        // emptied the table; a reconnecting client asks for what came after the one it holds.
        .addColumn('seq', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('sub_ri', 'text', (c) => c.notNull())
        .addColumn('target', 'text', (c) => c.notNull())
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('immediate', 'integer', (c) => c.notNull())
        .addColumn('batch', 'text')
        .addColumn('batch_num', 'integer')
        .addColumn('batch_ms', 'integer')
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('next_at', 'bigint', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('delivered_at', 'bigint')
        .execute();
      await sql`INSERT INTO notifications_new SELECT seq, id, sub_ri, target, payload, immediate, batch, batch_num, batch_ms, status, attempts, next_at, created_at, delivered_at FROM notifications`.execute(
        db,
      );
      await db.schema.dropTable('notifications').execute();
      await db.schema.alterTable('notifications_new').renameTo('notifications').execute();
      await db.schema
        .createIndex('notifications_pending')
        .on('notifications')
        .columns(['next_at', 'immediate', 'seq'])
        .where(sql.ref('status'), '=', 'pending')
        .execute();
      await db.schema
        .createIndex('notifications_replay')
        .on('notifications')
        .columns(['target', 'seq'])
        .where(sql.ref('target'), 'not like', 'http%')
        .execute();
    },
  },
});
