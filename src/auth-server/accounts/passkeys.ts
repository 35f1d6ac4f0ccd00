import type { Kysely } from 'kysely';
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { Rsc, TutelaError } from '../../core/errors.js';
import type { OidcTables } from '../store/oidc-tables.js';

/**
 * Passkeys (WebAuthn Level 3) through @simplewebauthn/server. User
 * verification is required at registration and sign-in (§5.4.6), so a
 * passkey sign-in is multi-factor by itself (possession + biometric/PIN)
 * and satisfies the second-factor rule of clinical roles: amr ["hwk","user"]
 * (RFC 8176). Challenges are single use, kept in memory for 5 minutes.
 */
const CHALLENGE_MS = 5 * 60_000;

export class PasskeyStore {
  constructor(
    private readonly db: Kysely<OidcTables>,
    /** The platform URL: its origin is the expected origin, its host the RP ID. */
    private readonly platformUrl: () => string,
    private readonly now: () => number = Date.now,
  ) {}

  private get origin(): string {
    return new URL(this.platformUrl()).origin;
  }

  private get rpID(): string {
    return new URL(this.platformUrl()).hostname;
  }

  async registrationOptions(accountId: string): Promise<PublicKeyCredentialCreationOptionsJSON> {
    const existing = await this.db
      .selectFrom('passkeys')
      .select('id')
      .where('account_id', '=', accountId)
      .execute();
    const options = await generateRegistrationOptions({
      rpName: 'Tutela',
      rpID: this.rpID,
      userName: accountId,
      userID: new TextEncoder().encode(accountId),
      attestationType: 'none',
      excludeCredentials: existing.map((c) => ({ id: c.id })),
      authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
    });
    await this.remember(`reg:${accountId}`, options.challenge);
    return options;
  }

  async register(accountId: string, response: RegistrationResponseJSON): Promise<string> {
    const challenge = await this.take(`reg:${accountId}`);
    const result = await verifyRegistrationResponse({
      response,
      expectedChallenge: challenge ?? '-',
      expectedOrigin: this.origin,
      expectedRPID: this.rpID,
      requireUserVerification: true,
    }).catch(() => ({ verified: false as const }));
    if (!challenge || !result.verified)
      throw new TutelaError(
        'passkey_refused',
        Rsc.BAD_REQUEST,
        'the passkey could not be registered',
      );
    const { credential } = result.registrationInfo;
    await this.db
      .insertInto('passkeys')
      .values({
        id: credential.id,
        account_id: accountId,
        public_key: Buffer.from(credential.publicKey).toString('base64url'),
        counter: credential.counter,
        transports: credential.transports ? JSON.stringify(credential.transports) : null,
        created_at: this.now(),
      })
      .execute();
    return credential.id;
  }

  /** The account's passkeys, newest first: their ids and when they were added (no key material). */
  async list(accountId: string): Promise<Array<{ id: string; createdAt: number }>> {
    const rows = await this.db
      .selectFrom('passkeys')
      .select(['id', 'created_at'])
      .where('account_id', '=', accountId)
      .orderBy('created_at', 'desc')
      .execute();
    return rows.map((r) => ({ id: r.id, createdAt: Number(r.created_at) }));
  }

  /** Removes one of the account's own passkeys; false when it has none with that id. */
  async remove(accountId: string, id: string): Promise<boolean> {
    const r = await this.db
      .deleteFrom('passkeys')
      .where('account_id', '=', accountId)
      .where('id', '=', id)
      .executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  /** Options for a sign-in with a discoverable credential, bound to `key` (the interaction). */
  async authenticationOptions(key: string): Promise<PublicKeyCredentialRequestOptionsJSON> {
    const options = await generateAuthenticationOptions({
      rpID: this.rpID,
      userVerification: 'required',
    });
    await this.remember(`auth:${key}`, options.challenge);
    return options;
  }

  /** The account the assertion proves, or undefined. */
  async authenticate(
    key: string,
    response: AuthenticationResponseJSON,
  ): Promise<string | undefined> {
    const challenge = await this.take(`auth:${key}`);
    if (!challenge || typeof response?.id !== 'string') return undefined;
    const row = await this.db
      .selectFrom('passkeys')
      .selectAll()
      .where('id', '=', response.id)
      .executeTakeFirst();
    if (!row) return undefined;
    const result = await verifyAuthenticationResponse({
      response,
      expectedChallenge: challenge,
      expectedOrigin: this.origin,
      expectedRPID: this.rpID,
      requireUserVerification: true,
      credential: {
        id: row.id,
        publicKey: new Uint8Array(Buffer.from(row.public_key, 'base64url')),
        counter: row.counter,
      },
    }).catch(() => undefined);
    if (!result?.verified) return undefined;
    // The library refuses a counter that went backwards (§6.1.1: a possible clone).
    await this.db
      .updateTable('passkeys')
      .set({ counter: result.authenticationInfo.newCounter })
      .where('id', '=', row.id)
      .execute();
    return row.account_id;
  }

  /** Keeps the challenge of `key` (a newer one replaces it) and drops expired ones. */
  private async remember(key: string, challenge: string): Promise<void> {
    const t = this.now();
    const expires_at = t + CHALLENGE_MS;
    await this.db.deleteFrom('passkey_challenges').where('expires_at', '<=', t).execute();
    await this.db
      .insertInto('passkey_challenges')
      .values({ key, challenge, expires_at })
      .onConflict((oc) => oc.column('key').doUpdateSet({ challenge, expires_at }))
      .execute();
  }

  /** The challenge of `key`, once: it is deleted as it is read. */
  private async take(key: string): Promise<string | undefined> {
    const c = await this.db
      .deleteFrom('passkey_challenges')
      .where('key', '=', key)
      .returning(['challenge', 'expires_at'])
      .executeTakeFirst();
    // bigint comes back as a string from PostgreSQL.
    return c && Number(c.expires_at) > this.now() ? c.challenge : undefined;
  }
}
