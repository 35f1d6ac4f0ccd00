import { sql, type Migration } from 'kysely';
import { serialType, type Dialect } from '../../core/db/index.js';

/** Migrations of the alert lifecycle (name range 0401–0499; see migrations.ts, alert-tables.ts). */
export const alertMigrations = (dialect: Dialect): Record<string, Migration> => ({
  '0401-app-alerts': {
    async up(db) {
      await db.schema
        .createTable('alerts')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('pt', 'text', (c) => c.notNull())
        .addColumn('rule', 'text', (c) => c.notNull())
        .addColumn('cl', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('step', 'integer', (c) => c.notNull())
        .addColumn('next_escalation_at', 'bigint')
        .addColumn('text_sealed', 'text', (c) => c.notNull())
        .addColumn('text_epoch', 'integer', (c) => c.notNull())
        .addColumn('raised_at', 'bigint', (c) => c.notNull())
        .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
        .addColumn('absent_count', 'integer', (c) => c.notNull())
        .addColumn('absent_since', 'bigint')
        .addColumn('recovering', 'integer', (c) => c.notNull())
        .addColumn('acknowledged_at', 'bigint')
        .addColumn('acknowledged_by', 'text')
        .addColumn('resolved_at', 'bigint')
        .addColumn('resolved_by', 'text')
        .addColumn('superseded_by', 'text')
        .execute();
      // De-duplication held by the database too: one open alert per patient and rule.
      await sql`create unique index alerts_open_rule on alerts (pt, rule) where state <> 'resolved'`.execute(
        db,
      );
      await db.schema
        .createIndex('alerts_due')
        .on('alerts')
        .columns(['next_escalation_at'])
        .execute();
      await db.schema
        .createTable('alert_events')
        .addColumn('seq', serialType(dialect), (c) => c.primaryKey())
        .addColumn('alert_id', 'text', (c) => c.notNull().references('alerts.id'))
        .addColumn('pt', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('alert_events_pt')
        .on('alert_events')
        .columns(['pt', 'seq'])
        .execute();
      await db.schema
        .createTable('alert_deliveries')
        .addColumn('alert_id', 'text', (c) => c.notNull().references('alerts.id'))
        .addColumn('recipient', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('channel', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('last_error', 'text')
        .addColumn('step', 'integer', (c) => c.notNull())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('alert_deliveries_pk', ['alert_id', 'recipient', 'channel'])
        .execute();
      await db.schema
        .createIndex('alert_deliveries_recipient')
        .on('alert_deliveries')
        .columns(['recipient', 'status'])
        .execute();
    },
  },
  '0402-app-alert-outbound': {
    async up(db) {
      // E-mail and webhook deliveries: which event each carries (alerts/outbound.ts).
      await db.schema.alterTable('alert_deliveries').addColumn('event_seq', 'bigint').execute();
      await db.schema
        .createIndex('alert_deliveries_outbound')
        .on('alert_deliveries')
        .columns(['channel', 'status'])
        .execute();
    },
  },
  '0403-app-alert-digests': {
    async up(db) {
      await db.schema
        .createTable('alert_digests')
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('day', 'text', (c) => c.notNull())
        .addColumn('sent_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('alert_digests_pk', ['user_id', 'day'])
        .execute();
    },
  },
});
