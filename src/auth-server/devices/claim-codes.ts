import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { Rsc, TutelaError } from '../../core/errors.js';
import type { DeviceDb } from '../store/index.js';

/**
 * 32 characters without the look-alikes 0/O and 1/I, so a code read aloud
 * or typed from a label survives; 32 is a power of two, so every character
 * carries exactly 5 random bits (16 characters: 80 bits).
 */
export const CLAIM_CODE_ALPHABET = '23456789ABCDEFGHJKLMNPQRSTUVWXYZ';
export const CLAIM_CODE_LENGTH = 16;
/** The first characters name the code's row; the other 10 (50 bits) are only compared as a hash. */
const ID_LENGTH = 6;
export const CLAIM_CODE_TTL_MS = 24 * 3600_000;
export const MAX_FAILED_TRIES = 5;
/** Spent and expired codes are kept this long after expiry (who claimed what), then removed. */
const KEEP_AFTER_EXPIRY_MS = 30 * 24 * 3600_000;

export interface ClaimCode {
  code: string;
  pt: string;
  expiresAt: number;
}

/** Every reason a code is refused gives the same answer: nothing to learn by probing. */
export const invalidClaimCode = () =>
  new TutelaError(
    'invalid_claim_code',
    Rsc.ORIGINATOR_HAS_NO_PRIVILEGE,
    'the claim code is not valid: unknown, expired, already used, or locked after too many wrong tries',
  );

const hash = (code: string) => createHash('sha256').update(code).digest();

/** A new random code. */
export function generateClaimCode(): string {
  const bytes = randomBytes(CLAIM_CODE_LENGTH);
  let code = '';
  for (const b of bytes) code += CLAIM_CODE_ALPHABET[b & 31];
  return code;
}

/** The code in canonical form (upper case, without spaces or dashes), or undefined if it cannot be one. */
export function normalizeClaimCode(input: string): string | undefined {
  const code = input.replace(/[\s-]/g, '').toUpperCase();
  if (code.length !== CLAIM_CODE_LENGTH) return undefined;
  for (const c of code) if (!CLAIM_CODE_ALPHABET.includes(c)) return undefined;
  return code;
}

/**
 * One-time claim codes: made by an allowed person for a patient, typed into
 * (or scanned by) the gateway, redeemed once within 24 h. Stored as SHA-256
 * only; a code's row is found by its first characters and the whole code's
 * hash compared in constant time, so wrong tries can be counted per code
 * and the code dies after MAX_FAILED_TRIES of them.
 */
export class ClaimCodes {
  constructor(
    private readonly db: DeviceDb,
    private readonly now: () => number = Date.now,
  ) {}

  async create(pt: string, createdBy: string): Promise<ClaimCode> {
    const at = this.now();
    await this.db
      .deleteFrom('claim_codes')
      .where('expires_at', '<', at - KEEP_AFTER_EXPIRY_MS)
      .execute();
    for (let attempt = 0; ; attempt++) {
      const code = generateClaimCode();
      const id = code.slice(0, ID_LENGTH);
      const taken = await this.db
        .selectFrom('claim_codes')
        .select('id')
        .where('id', '=', id)
        .executeTakeFirst();
      if (taken) {
        // 2^30 ids: a clash is rare; many in a row would mean the table is being flooded.
        if (attempt > 10)
          throw new TutelaError(
            'claim_codes_exhausted',
            Rsc.INTERNAL_SERVER_ERROR,
            'no free claim code id',
          );
        continue;
      }
      const expiresAt = at + CLAIM_CODE_TTL_MS;
      await this.db
        .insertInto('claim_codes')
        .values({
          id,
          code_hash: hash(code).toString('base64url'),
          pt,
          created_by: createdBy,
          created_at: at,
          expires_at: expiresAt,
          failed_tries: 0,
          used_at: null,
          dev: null,
        })
        .execute();
      return { code, pt, expiresAt };
    }
  }

  /**
   * Redeems a code: checks it and marks it used in one conditional update,
   * so two claims racing with the same code cannot both win. Returns the
   * code's id (to bind the device to it, or release it if the claim fails
   * later) and its patient.
   */
  async redeem(input: string): Promise<{ id: string; pt: string }> {
    const code = normalizeClaimCode(input);
    if (!code) throw invalidClaimCode();
    const id = code.slice(0, ID_LENGTH);
    const row = await this.db
      .selectFrom('claim_codes')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    const at = this.now();
    if (
      !row ||
      row.used_at !== null ||
      row.expires_at <= at ||
      row.failed_tries >= MAX_FAILED_TRIES
    )
      throw invalidClaimCode();
    const stored = Buffer.from(row.code_hash, 'base64url');
    const given = hash(code);
    if (stored.length !== given.length || !timingSafeEqual(stored, given)) {
      await this.db
        .updateTable('claim_codes')
        .set((eb) => ({ failed_tries: eb('failed_tries', '+', 1) }))
        .where('id', '=', id)
        .execute();
      throw invalidClaimCode();
    }
    const res = await this.db
      .updateTable('claim_codes')
      .set({ used_at: at })
      .where('id', '=', id)
      .where('used_at', 'is', null)
      .where('expires_at', '>', at)
      .where('failed_tries', '<', MAX_FAILED_TRIES)
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) !== 1) throw invalidClaimCode();
    return { id, pt: row.pt };
  }

  /** Records the device a redeemed code onboarded. */
  async bind(id: string, dev: string): Promise<void> {
    await this.db.updateTable('claim_codes').set({ dev }).where('id', '=', id).execute();
  }

  /** Makes a redeemed code usable again: the claim failed after it was redeemed, through no fault of the gateway. */
  async release(id: string): Promise<void> {
    await this.db
      .updateTable('claim_codes')
      .set({ used_at: null })
      .where('id', '=', id)
      .where('dev', 'is', null)
      .execute();
  }
}
