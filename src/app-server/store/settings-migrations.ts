import type { Migration } from 'kysely';
import type { Dialect } from '../../core/db/index.js';

/** Migrations of per-patient clinical settings (name range 0601–0699; see migrations.ts). */
export const settingsMigrations = (_dialect: Dialect): Record<string, Migration> => ({
  '0601-app-patient-settings': {
    async up(db) {
      await db.schema
        .createTable('patient_settings')
        .addColumn('pt', 'text', (c) => c.primaryKey().references('patients.pt'))
        .addColumn('sealed', 'text', (c) => c.notNull())
        .addColumn('epoch', 'integer', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_by', 'text', (c) => c.notNull())
        .execute();
    },
  },
});
