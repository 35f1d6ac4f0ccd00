import { importPublicKey, type HpkeKey } from '../../crypto/hpke.js';
import type { AppDb } from '../store/db.js';

/** How far below the highest accepted sequence number a late reading is still taken. */
export const REPLAY_WINDOW = 10_000;

export interface RegisteredGateway {
  dev: string;
  pt: string;
  publicKey: HpkeKey;
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

  /** Whether this gateway was registered and then revoked (its readings are refused as `revoked_device`). */
  async isRevoked(dev: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('gateways')
      .select('revoked_at')
      .where('dev', '=', dev)
      .executeTakeFirst();
    return row !== undefined && row.revoked_at !== null;
  }

  /** The patient's gateways that are not revoked: who may write to the inbox. */
  async activeFor(pt: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('gateways')
      .select('dev')
      .where('pt', '=', pt)
      .where('revoked_at', 'is', null)
      .orderBy('dev')
      .execute();
    return rows.map((r) => r.dev);
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

  /**
   * Whether `seq` has not been accepted from this gateway before. The CSE
   * may deliver a gateway's readings out of order (several in flight, and
   * retries), so every sequence number accepted within a window below the
   * highest is remembered; older than the window is refused as a replay
   * (anti-replay window, as IPsec's, RFC 4303 §3.4.3).
   */
  async isFresh(dev: string, seq: number): Promise<boolean> {
    const row = await this.db
      .selectFrom('reading_seq')
      .select('last_seq')
      .where('dev', '=', dev)
      .executeTakeFirst();
    if (row && seq <= Number(row.last_seq) - REPLAY_WINDOW) return false;
    const seen = await this.db
      .selectFrom('accepted_readings')
      .select('seq')
      .where('dev', '=', dev)
      .where('seq', '=', seq)
      .executeTakeFirst();
    return !seen;
  }

  /** Records `seq` as accepted; the high-water mark never moves backwards. */
  async accept(dev: string, seq: number): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      await tx
        .insertInto('accepted_readings')
        .values({ dev, seq })
        .onConflict((oc) => oc.columns(['dev', 'seq']).doNothing())
        .execute();
      await tx
        .insertInto('reading_seq')
        .values({ dev, last_seq: seq })
        .onConflict((oc) =>
          oc.column('dev').doUpdateSet({ last_seq: seq }).where('reading_seq.last_seq', '<', seq),
        )
        .execute();
      // Forget what fell out of the window now and then (each time the window moves by 1 %).
      if (seq % (REPLAY_WINDOW / 100) === 0)
        await tx
          .deleteFrom('accepted_readings')
          .where('dev', '=', dev)
          .where('seq', '<=', seq - REPLAY_WINDOW)
          .execute();
    });
  }
}
