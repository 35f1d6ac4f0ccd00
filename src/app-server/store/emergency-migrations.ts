import type { Migration } from 'kysely';
import type { Dialect } from '../../core/db/index.js';

/** Migrations of emergency access (name range 0301–0399; see migrations.ts). */
export const emergencyMigrations = (_dialect: Dialect): Record<string, Migration> => ({
  '0301-app-emergency-access': {
    async up(db) {
      await db.schema
        .createTable('emergency_access')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('pt', 'text', (c) => c.notNull().references('patients.pt'))
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
        .addColumn('reason_sealed', 'text', (c) => c.notNull())
        .addColumn('reason_epoch', 'integer', (c) => c.notNull())
        .addColumn('opened_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('closed_at', 'bigint')
        .addColumn('closed_by', 'text')
        .execute();
      await db.schema
        .createIndex('emergency_access_open')
        .on('emergency_access')
        .columns(['pt', 'user_id', 'closed_at'])
        .execute();
      await db.schema
        .createTable('notices')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('recipient', 'text', (c) => c.notNull())
        .addColumn('pt', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('grant_id', 'text', (c) => c.notNull().references('emergency_access.id'))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('read_at', 'bigint')
        .execute();
      await db.schema
        .createIndex('notices_recipient')
        .on('notices')
        .columns(['recipient', 'created_at'])
        .execute();
    },
  },
});
