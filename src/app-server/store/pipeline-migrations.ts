import type { Migration } from 'kysely';
import { serialType, type Dialect } from '../../core/db/index.js';

/** Migrations of the pipeline, directory and audit tables (see pipeline-tables.ts). */
export const pipelineMigrations = (dialect: Dialect): Record<string, Migration> => ({
  '0101-app-pipeline': {
    async up(db) {
      await db.schema
        .createTable('patients')
        .addColumn('pt', 'text', (c) => c.primaryKey())
        .addColumn('spo2_scale', 'integer', (c) => c.notNull().defaultTo(1))
        .addColumn('inbox_ri', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('gateways')
        .addColumn('dev', 'text', (c) => c.primaryKey())
        .addColumn('pt', 'text', (c) => c.notNull().references('patients.pt'))
        .addColumn('public_key', 'text', (c) => c.notNull())
        .addColumn('registered_at', 'bigint', (c) => c.notNull())
        .addColumn('revoked_at', 'bigint')
        .execute();
      await db.schema
        .createTable('reading_seq')
        .addColumn('dev', 'text', (c) => c.primaryKey().references('gateways.dev'))
        .addColumn('last_seq', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('users')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('al', 'text', (c) => c.notNull())
        .addColumn('token_hash', 'text', (c) => c.notNull().unique())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('care_team')
        .addColumn('pt', 'text', (c) => c.notNull().references('patients.pt'))
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
        .addColumn('added_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('care_team_pk', ['pt', 'user_id'])
        .execute();
      await db.schema
        .createTable('client_devices')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
        .addColumn('public_key', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('revoked_at', 'bigint')
        .execute();
      await db.schema
        .createTable('audit')
        .addColumn('seq', serialType(dialect), (c) => c.primaryKey())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('pt', 'text')
        .addColumn('outcome', 'text', (c) => c.notNull())
        .addColumn('detail', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('audit_pt').on('audit').columns(['pt', 'seq']).execute();
    },
  },
  '0102-app-replay-window': {
    async up(db) {
      // Notifications may arrive out of order: the replay guard remembers each seq, not just the highest.
      await db.schema
        .createTable('accepted_readings')
        .addColumn('dev', 'text', (c) => c.notNull().references('gateways.dev'))
        .addColumn('seq', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('accepted_readings_pk', ['dev', 'seq'])
        .execute();
    },
  },
});
