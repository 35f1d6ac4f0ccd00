import type { Migration } from 'kysely';
import type { Dialect } from '../../core/db/index.js';

/**
 * Migrations of the identity part of the auth zone, names 0001–0099 (the
 * device onboarding feature takes 0101–0199 in the same zone).
 */
export const oidcMigrations = (_dialect: Dialect): Record<string, Migration> => ({
  '0001-auth-oidc-models': {
    async up(db) {
      await db.schema
        .createTable('oidc_models')
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('grant_id', 'text')
        .addColumn('user_code', 'text')
        .addColumn('uid', 'text')
        .addColumn('expires_at', 'bigint')
        .addColumn('consumed_at', 'bigint')
        .addPrimaryKeyConstraint('oidc_models_pk', ['kind', 'id'])
        .execute();
      await db.schema
        .createIndex('oidc_models_grant')
        .on('oidc_models')
        .column('grant_id')
        .execute();
      await db.schema
        .createIndex('oidc_models_user_code')
        .on('oidc_models')
        .columns(['kind', 'user_code'])
        .execute();
      await db.schema
        .createIndex('oidc_models_uid')
        .on('oidc_models')
        .columns(['kind', 'uid'])
        .execute();
      await db.schema
        .createIndex('oidc_models_expiry')
        .on('oidc_models')
        .column('expires_at')
        .execute();
    },
  },
  '0002-auth-accounts': {
    async up(db) {
      await db.schema
        .createTable('accounts')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('password_hash', 'text', (c) => c.notNull())
        .addColumn('totp_secret', 'text')
        .addColumn('totp_last_step', 'bigint')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('login_failures')
        .addColumn('login', 'text', (c) => c.primaryKey())
        .addColumn('failures', 'integer', (c) => c.notNull())
        .addColumn('locked_until', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
    },
  },
  '0003-auth-passkeys': {
    async up(db) {
      await db.schema
        .createTable('passkeys')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
        .addColumn('public_key', 'text', (c) => c.notNull())
        .addColumn('counter', 'bigint', (c) => c.notNull())
        .addColumn('transports', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('passkeys_account').on('passkeys').column('account_id').execute();
    },
  },
  '0004-auth-passkey-challenges': {
    async up(db) {
      await db.schema
        .createTable('passkey_challenges')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('challenge', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();
    },
  },
});
