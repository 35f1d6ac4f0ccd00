import type { Migration } from 'kysely';
import type { Dialect } from '../../core/db/index.js';
import { contactMigrations } from './contact-migrations.js';
import { alertMigrations } from './alert-migrations.js';
import { commandMigrations } from './command-migrations.js';
import { emergencyMigrations } from './emergency-migrations.js';
import { episodeMigrations } from './episode-migrations.js';
import { pipelineMigrations } from './pipeline-migrations.js';
import { settingsMigrations } from './settings-migrations.js';

/**
 * Versioned migrations of the application server's own database (its SQLite
 * file or PostgreSQL schema), applied in name order: each feature takes a
 * name range (the keyring 0001–0099, the pipeline 0101–0199, the care
 * episodes 0201–0299, emergency access 0301–0399, alerts 0401–0499, remote
 * commands 0501–0599, patient settings 0601–0699, contacts 0701–0799) and
 * adds its migrations here.
 */
export const appMigrations = (dialect: Dialect): Record<string, Migration> => ({
  '0001-app-keyring': {
    async up(db) {
      await db.schema
        .createTable('patient_keys')
        .addColumn('pt', 'text', (c) => c.primaryKey())
        .addColumn('kek_id', 'text')
        .addColumn('iv', bytesType(dialect))
        .addColumn('ct', bytesType(dialect))
        .addColumn('epoch', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('shredded_at', 'bigint')
        .execute();
      await db.schema
        .createTable('data_keys')
        .addColumn('pt', 'text', (c) => c.notNull().references('patient_keys.pt'))
        .addColumn('rl', 'text', (c) => c.notNull())
        .addColumn('epoch', 'integer', (c) => c.notNull())
        .addColumn('iv', bytesType(dialect), (c) => c.notNull())
        .addColumn('ct', bytesType(dialect), (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('data_keys_pk', ['pt', 'rl', 'epoch'])
        .execute();
    },
  },
  ...pipelineMigrations(dialect),
  ...episodeMigrations(dialect),
  ...emergencyMigrations(dialect),
  ...settingsMigrations(dialect),
  ...commandMigrations(dialect),
  ...contactMigrations(dialect),
  ...alertMigrations(dialect),
});

/** Column type of a byte string in each dialect. */
function bytesType(dialect: Dialect): 'blob' | 'bytea' {
  return dialect === 'sqlite' ? 'blob' : 'bytea';
}
