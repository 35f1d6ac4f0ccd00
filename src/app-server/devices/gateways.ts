import { importPublicKey, type CryptoKey } from '../../crypto/hpke.js';
import type { AppDb } from '../store/db.js';

export interface RegisteredGateway {
  dev: string;
  pt: string;
  publicKey: CryptoKey;
}

/**
 * Patient gateways known to the application server: which patient each
 * serves and the public key that must have sealed its readings (HPKE auth
 * mode), plus the replay guard: the highest sequence number accepted.
 */
export class GatewayRegistry {
  private readonly keys = new Map<string, RegisteredGateway>();

  constructor(
    private readonly db: AppDb,
    private readonly now: () => number = Date.now,
  ) {}

  /** Registers (or re-keys) a gateway for a patient. */
  async register(dev: string, pt: string, publicKey: Uint8Array): Promise<void> {
    const row = {
      dev,
      pt,
      public_key: Buffer.from(publicKey).toString('base64url'),
      registered_at: this.now(),
      revoked_at: null,
    };
    await this.db
      .insertInto('gateways')
      .values(row)
      .onConflict((oc) =>
        oc.column('dev').doUpdateSet({ pt, public_key: row.public_key, revoked_at: null }),
      )
      .execute();
    this.keys.delete(dev);
  }

  async revoke(dev: string): Promise<void> {
    await this.db
      .updateTable('gateways')
      .set({ revoked_at: this.now() })
      .where('dev', '=', dev)
      .execute();
    this.keys.delete(dev);
  }

  /** The gateway, if registered and not revoked. */
  async find(dev: string): Promise<RegisteredGateway | undefined> {
    const cached = this.keys.get(dev);
    if (cached) return cached;
    const row = await this.db
      .selectFrom('gateways')
      .selectAll()
      .where('dev', '=', dev)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    if (!row) return undefined;
    const found = {
      dev,
      pt: row.pt,
      publicKey: await importPublicKey(Buffer.from(row.public_key, 'base64url')),
    };
    this.keys.set(dev, found);
    return found;
  }

  /** Whether `seq` is newer than anything accepted from this gateway. */
  async isFresh(dev: string, seq: number): Promise<boolean> {
    const row = await this.db
      .selectFrom('reading_seq')
      .select('last_seq')
      .where('dev', '=', dev)
      .executeTakeFirst();
    return !row || Number(row.last_seq) < seq;
  }

  /** Records `seq` as accepted (never moves backwards). */
  async accept(dev: string, seq: number): Promise<void> {
    await this.db
      .insertInto('reading_seq')
      .values({ dev, last_seq: seq })
      .onConflict((oc) =>
        oc.column('dev').doUpdateSet({ last_seq: seq }).where('reading_seq.last_seq', '<', seq),
      )
      .execute();
  }
}
