import type { Kysely } from 'kysely';
import { Rsc, TutelaError } from '../../core/errors.js';
import type { AccountsTable, OidcTables } from '../store/oidc-tables.js';
import { checkPasswordStrength, decoyHash, hashPassword, verifyPassword } from './passwords.js';
import { CLINICAL_ROLES, isAccountRole, type AccountRole } from './roles.js';
import { checkTotp, newTotpSecret, openTotpSecret, sealTotpSecret } from './totp.js';

export interface LockoutPolicy {
  /** Failures allowed before the first lockout. */
  maxAttempts: number;
  /** First lockout; each further failure doubles it (exponential backoff). */
  baseLockMs: number;
  maxLockMs: number;
}

export const DEFAULT_LOCKOUT: LockoutPolicy = {
  maxAttempts: 5,
  baseLockMs: 30_000,
  maxLockMs: 15 * 60_000,
};

export type Account = Pick<AccountsTable, 'id' | 'role'> & { totp: boolean };

export type SignInResult =
  | { ok: true; account: Account }
  | { ok: false; reason: 'invalid' | 'locked'; retryAfterMs?: number };

/**
 * People who sign in: argon2id password hashes, sealed TOTP secrets, and
 * per-login lockout with exponential backoff (OWASP ASVS V2.2.1). A login
 * that does not exist is hashed against a decoy and locked out like any
 * other, so neither the answer nor its timing says which accounts exist.
 */
export class AccountStore {
  constructor(
    private readonly db: Kysely<OidcTables>,
    private readonly totpKey: Uint8Array,
    private readonly lockout: LockoutPolicy = DEFAULT_LOCKOUT,
    private readonly now: () => number = Date.now,
  ) {}

  /** Creates an account; returns the TOTP secret (base32) for clinical roles. */
  async create(input: {
    id: string;
    role: AccountRole;
    password: string;
  }): Promise<{ totpSecret?: string }> {
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(input.id))
      throw new TutelaError(
        'bad_request',
        Rsc.BAD_REQUEST,
        'an account id is 1-64 of A-Z a-z 0-9 . _ -',
      );
    if (!isAccountRole(input.role))
      throw new TutelaError('bad_request', Rsc.BAD_REQUEST, 'unknown role');
    checkPasswordStrength(input.password, [input.id, input.role, 'tutela']);
    const totpSecret = CLINICAL_ROLES.has(input.role) ? newTotpSecret() : undefined;
    const existing = await this.find(input.id);
    if (existing) throw new TutelaError('conflict', Rsc.CONFLICT, 'that account exists');
    await this.db
      .insertInto('accounts')
      .values({
        id: input.id,
        role: input.role,
        password_hash: await hashPassword(input.password),
        totp_secret: totpSecret ? sealTotpSecret(this.totpKey, input.id, totpSecret) : null,
        totp_last_step: null,
        created_at: this.now(),
      })
      .execute();
    return totpSecret ? { totpSecret } : {};
  }

  async find(id: string): Promise<Account | undefined> {
    const row = await this.db
      .selectFrom('accounts')
      .select(['id', 'role', 'totp_secret'])
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? { id: row.id, role: row.role, totp: row.totp_secret !== null } : undefined;
  }

  /** First factor: the password. */
  async signIn(login: string, password: string): Promise<SignInResult> {
    const key = `pwd:${login.slice(0, 64)}`;
    const locked = await this.lockedFor(key);
    if (locked > 0) return { ok: false, reason: 'locked', retryAfterMs: locked };
    const row = await this.db
      .selectFrom('accounts')
      .select(['id', 'role', 'password_hash', 'totp_secret'])
      .where('id', '=', login)
      .executeTakeFirst();
    const ok = await verifyPassword(password, row?.password_hash ?? (await decoyHash()));
    if (!row || !ok) return this.fail(key);
    await this.clear(key);
    return { ok: true, account: { id: row.id, role: row.role, totp: row.totp_secret !== null } };
  }

  /** Second factor: a TOTP code, accepted once (its step is remembered). */
  async checkSecondFactor(accountId: string, code: string): Promise<SignInResult> {
    const key = `otp:${accountId}`;
    const locked = await this.lockedFor(key);
    if (locked > 0) return { ok: false, reason: 'locked', retryAfterMs: locked };
    const row = await this.db
      .selectFrom('accounts')
      .select(['id', 'role', 'totp_secret', 'totp_last_step'])
      .where('id', '=', accountId)
      .executeTakeFirst();
    if (!row?.totp_secret) return this.fail(key);
    const secret = openTotpSecret(this.totpKey, row.id, row.totp_secret);
    const step = checkTotp(secret, code, row.totp_last_step, this.now());
    if (step === undefined) return this.fail(key);
    // Compare-and-set: two concurrent submissions of one code cannot both win.
    const res = await this.db
      .updateTable('accounts')
      .set({ totp_last_step: step })
      .where('id', '=', row.id)
      .where((eb) =>
        row.totp_last_step === null
          ? eb('totp_last_step', 'is', null)
          : eb('totp_last_step', '=', row.totp_last_step),
      )
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) !== 1) return this.fail(key);
    await this.clear(key);
    return { ok: true, account: { id: row.id, role: row.role, totp: true } };
  }

  /** Forgets failure counts idle for a day (they would otherwise pile up for made-up logins). */
  async sweepFailures(): Promise<void> {
    const dayAgo = this.now() - 24 * 3600_000;
    await this.db
      .deleteFrom('login_failures')
      .where('updated_at', '<', dayAgo)
      .where('locked_until', '<', dayAgo)
      .execute();
  }

  private async lockedFor(key: string): Promise<number> {
    const row = await this.db
      .selectFrom('login_failures')
      .select('locked_until')
      .where('login', '=', key)
      .executeTakeFirst();
    return row ? Math.max(0, row.locked_until - this.now()) : 0;
  }

  private async fail(key: string): Promise<SignInResult> {
    const t = this.now();
    const row = await this.db
      .selectFrom('login_failures')
      .select('failures')
      .where('login', '=', key)
      .executeTakeFirst();
    const failures = (row?.failures ?? 0) + 1;
    const over = failures - this.lockout.maxAttempts;
    const lockMs =
      over >= 0 ? Math.min(this.lockout.maxLockMs, this.lockout.baseLockMs * 2 ** over) : 0;
    const values = { failures, locked_until: t + lockMs, updated_at: t };
    await this.db
      .insertInto('login_failures')
      .values({ login: key, ...values })
      .onConflict((oc) => oc.column('login').doUpdateSet(values))
      .execute();
    return lockMs > 0
      ? { ok: false, reason: 'locked', retryAfterMs: lockMs }
      : { ok: false, reason: 'invalid' };
  }

  private async clear(key: string): Promise<void> {
    await this.db.deleteFrom('login_failures').where('login', '=', key).execute();
  }
}
