import type { Migration } from 'kysely';
import type { Dialect } from '../../core/db/index.js';

/** Migrations of people's contact addresses (name range 0701–0799; see migrations.ts). */
export const contactMigrations = (_dialect: Dialect): Record<string, Migration> => ({
  '0701-app-contacts': {
    async up(db) {
      await db.schema
        .createTable('contacts')
        .addColumn('user_id', 'text', (c) => c.primaryKey().references('users.id'))
        .addColumn('email', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
    },
  },
});
