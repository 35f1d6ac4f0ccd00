import type { Kysely } from 'kysely';
import type { Adapter, AdapterPayload } from 'oidc-provider';
import type { OidcTables } from '../store/oidc-tables.js';

/**
 * oidc-provider's storage adapter on the zone database (kysely: SQLite or
 * PostgreSQL). Semantics follow the library's reference memory adapter:
 * `consume` marks single-use artefacts (authorization codes, rotated refresh
 * tokens) so that a replay is detected and the whole grant revoked
 * (RFC 6749 §4.1.2, OAuth 2.0 Security BCP §4.14); `revokeByGrantId` removes
 * every token of a grant at once (RFC 7009 §2.1).
 */
export function kyselyAdapter(db: Kysely<OidcTables>, now: () => number = Date.now) {
  return class KyselyAdapter implements Adapter {
    constructor(readonly kind: string) {}

    async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
      const row = {
        kind: this.kind,
        id,
        payload: JSON.stringify(payload),
        grant_id: payload.grantId ?? null,
        user_code: payload.userCode ?? null,
        uid: payload.uid ?? null,
        expires_at: expiresIn ? now() + expiresIn * 1000 : null,
        consumed_at: null,
      };
      await db
        .insertInto('oidc_models')
        .values(row)
        .onConflict((oc) =>
          oc.columns(['kind', 'id']).doUpdateSet({
            payload: row.payload,
            grant_id: row.grant_id,
            user_code: row.user_code,
            uid: row.uid,
            expires_at: row.expires_at,
            consumed_at: null,
          }),
        )
        .execute();
    }

    find(id: string): Promise<AdapterPayload | undefined> {
      return this.findWhere('id', id);
    }

    findByUid(uid: string): Promise<AdapterPayload | undefined> {
      return this.findWhere('uid', uid);
    }

    findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
      return this.findWhere('user_code', userCode);
    }

    async consume(id: string): Promise<void> {
      await db
        .updateTable('oidc_models')
        .set({ consumed_at: Math.floor(now() / 1000) })
        .where('kind', '=', this.kind)
        .where('id', '=', id)
        .execute();
    }

    async destroy(id: string): Promise<void> {
      await db
        .deleteFrom('oidc_models')
        .where('kind', '=', this.kind)
        .where('id', '=', id)
        .execute();
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      // Every model of the grant, whatever this adapter's kind: tokens, codes, the grant.
      await db.deleteFrom('oidc_models').where('grant_id', '=', grantId).execute();
    }

    private async findWhere(
      column: 'id' | 'uid' | 'user_code',
      value: string,
    ): Promise<AdapterPayload | undefined> {
      const row = await db
        .selectFrom('oidc_models')
        .select(['payload', 'expires_at', 'consumed_at'])
        .where('kind', '=', this.kind)
        .where(column, '=', value)
        .executeTakeFirst();
      if (!row) return undefined;
      // Expired rows are invisible; the sweep below removes them.
      if (row.expires_at !== null && row.expires_at <= now()) return undefined;
      const payload = JSON.parse(row.payload) as AdapterPayload;
      return row.consumed_at === null ? payload : { ...payload, consumed: row.consumed_at };
    }
  };
}

/** Deletes expired artefacts; run periodically. */
export async function sweepExpired(db: Kysely<OidcTables>, now = Date.now()): Promise<number> {
  const res = await db
    .deleteFrom('oidc_models')
    .where('expires_at', 'is not', null)
    .where('expires_at', '<=', now)
    .executeTakeFirst();
  return Number(res.numDeletedRows);
}

/** Removes a grant and everything issued under it (codes, refresh tokens). */
export async function revokeGrant(db: Kysely<OidcTables>, grantId: string): Promise<void> {
  await db
    .deleteFrom('oidc_models')
    .where((eb) =>
      eb.or([
        eb('grant_id', '=', grantId),
        eb.and([eb('kind', '=', 'Grant'), eb('id', '=', grantId)]),
      ]),
    )
    .execute();
}
