import type { Migration } from 'kysely';
import type { Dialect } from '../../core/db/index.js';

/** Migrations of remote commands (name range 0501–0599; see migrations.ts). */
export const commandMigrations = (_dialect: Dialect): Record<string, Migration> => ({
  '0501-app-commands': {
    async up(db) {
      await db.schema
        .createTable('commands')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('pt', 'text', (c) => c.notNull().references('patients.pt'))
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('device', 'text', (c) => c.notNull())
        .addColumn('params_sealed', 'text', (c) => c.notNull())
        .addColumn('params_epoch', 'integer', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('proposed_by', 'text', (c) => c.notNull())
        .addColumn('confirmed_by', 'text')
        .addColumn('gateway', 'text')
        .addColumn('seq', 'bigint')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('sent_at', 'bigint')
        .addColumn('done_at', 'bigint')
        .addColumn('outcome_code', 'text')
        .addColumn('result_sealed', 'text')
        .addColumn('result_epoch', 'integer')
        .execute();
      await db.schema
        .createIndex('commands_pt')
        .on('commands')
        .columns(['pt', 'created_at'])
        .execute();
      await db.schema
        .createIndex('commands_state')
        .on('commands')
        .columns(['state', 'expires_at'])
        .execute();
      await db.schema
        .createTable('command_seq')
        .addColumn('dev', 'text', (c) => c.primaryKey())
        .addColumn('last_seq', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('command_boxes')
        .addColumn('pt', 'text', (c) => c.primaryKey().references('patients.pt'))
        .addColumn('acks_ri', 'text', (c) => c.notNull())
        .execute();
    },
  },
});
