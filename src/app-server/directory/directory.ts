import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { Rsc, TutelaError } from '../../core/errors.js';
import { randomId } from '../../core/ids.js';
import { isConfidentiality, type Confidentiality } from '../../protocol/levels.js';
import type { AppDb } from '../store/db.js';
import { defaultAl, isRole, type Role } from './roles.js';

export interface User {
  id: string;
  /** The person's role on the platform (their account); a participant's role is per episode. */
  role: Role;
  /** The AL that role gives by default; null: no clinical version (admin, dpo). */
  al: Confidentiality | null;
  /** This sign-in passed a second factor (set by the authentication, never stored). */
  mfa?: boolean;
  /** When this sign-in's access token expires (ms; set by the authentication, never stored). */
  expiresAt?: number;
}

/** How a role without AL is stored in `users.al` (NOT NULL since migration 0101). */
const NO_AL = '';

const hash = (token: string) => createHash('sha256').update(token).digest('base64url');

/**
 * The interim directory: people, their role and default AL, and the client
 * device keys they registered (who cares for whom is in episodes/). People sign in with an API token
 * (32 random bytes, shown once; only its SHA-256 is stored). The
 * authorization server of issue 4 replaces tokens with OpenID Connect.
 */
export class Directory {
  constructor(
    private readonly db: AppDb,
    private readonly now: () => number = Date.now,
  ) {}

  /** Adds a person and returns their new API token (not stored: keep it). */
  async addUser(
    id: string,
    role: Role,
    al: Confidentiality | null = defaultAl(role),
  ): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    await this.db
      .insertInto('users')
      .values({ id, role, al: al ?? NO_AL, token_hash: hash(token), created_at: this.now() })
      .execute();
    return token;
  }

  /** Replaces a person's API token (the old one stops working at once) and returns the new one. */
  async newToken(id: string): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    await this.db
      .updateTable('users')
      .set({ token_hash: hash(token) })
      .where('id', '=', id)
      .execute();
    return token;
  }

  async user(id: string): Promise<User | undefined> {
    const row = await this.db
      .selectFrom('users')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row && toUser(row);
  }

  /** Everyone with this role (e.g. the data-protection officers to tell). */
  async usersWithRole(role: Role): Promise<User[]> {
    const rows = await this.db
      .selectFrom('users')
      .selectAll()
      .where('role', '=', role)
      .orderBy('id')
      .execute();
    return rows.map(toUser);
  }

  /** The person a token belongs to, or undefined. */
  async authenticate(token: string): Promise<User | undefined> {
    if (token.length < 16 || token.length > 256) return undefined;
    const h = hash(token);
    const row = await this.db
      .selectFrom('users')
      .selectAll()
      .where('token_hash', '=', h)
      .executeTakeFirst();
    // The lookup is by hash; the final comparison is in constant time all the same.
    if (!row || !timingSafeEqual(Buffer.from(row.token_hash), Buffer.from(h))) return undefined;
    return toUser(row);
  }

  /** Registers a client device public key (X25519, 32 bytes) for a user; returns its id. */
  async registerDevice(userId: string, publicKey: Uint8Array): Promise<string> {
    if (publicKey.length !== 32)
      throw new TutelaError(
        'invalid_key',
        Rsc.BAD_REQUEST,
        'a device key is a 32-byte X25519 public key',
      );
    const id = `dev-${randomId()}`;
    await this.db
      .insertInto('client_devices')
      .values({
        id,
        user_id: userId,
        public_key: Buffer.from(publicKey).toString('base64url'),
        created_at: this.now(),
        revoked_at: null,
      })
      .execute();
    return id;
  }

  /** A device's public key, only if it is registered to this user and not revoked. */
  async deviceKey(userId: string, deviceId: string): Promise<Uint8Array | undefined> {
    const row = await this.db
      .selectFrom('client_devices')
      .select('public_key')
      .where('id', '=', deviceId)
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return row && new Uint8Array(Buffer.from(row.public_key, 'base64url'));
  }

  async revokeDevice(userId: string, deviceId: string): Promise<void> {
    await this.db
      .updateTable('client_devices')
      .set({ revoked_at: this.now() })
      .where('id', '=', deviceId)
      .where('user_id', '=', userId)
      .execute();
  }
}

function toUser(row: { id: string; role: string; al: string }): User {
  const al = row.al === NO_AL ? null : row.al;
  if ((al !== null && !isConfidentiality(al)) || !isRole(row.role))
    throw new TutelaError(
      'directory_corrupt',
      Rsc.INTERNAL_SERVER_ERROR,
      `user ${row.id} has an invalid role or AL`,
    );
  return { id: row.id, role: row.role, al };
}
