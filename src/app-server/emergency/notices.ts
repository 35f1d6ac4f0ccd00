import { Rsc, TutelaError } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import type { Directory } from '../directory/directory.js';
import type { Keyring } from '../keyring/keyring.js';
import type { AppDb } from '../store/db.js';
import { openReason } from './reason.js';

export interface NoticesOptions {
  db: AppDb;
  keyring: Pick<Keyring, 'dataKeyAt'>;
  directory: Pick<Directory, 'user'>;
  log: Logger;
  now?: () => number;
}

/**
 * What the patient and the data-protection officers were told of emergency
 * access (GDPR Art. 5(1)(a) transparency; HIPAA §164.312(b)): written by
 * EmergencyAccess.open in the grant's transaction, read here by each
 * recipient with the grant's reason opened for them.
 */
export class Notices {
  constructor(private readonly o: NoticesOptions) {}

  /** The notices of one person, newest first, with the grant and its reason opened for them. */
  async noticesOf(userId: string) {
    const rows = await this.o.db
      .selectFrom('notices')
      .innerJoin('emergency_access', 'emergency_access.id', 'notices.grant_id')
      .select([
        'notices.id as id',
        'notices.kind as kind',
        'notices.pt as pt',
        'notices.created_at as created_at',
        'notices.read_at as read_at',
        'emergency_access.id as grant_id',
        'emergency_access.user_id as holder',
        'emergency_access.reason_sealed as reason_sealed',
        'emergency_access.reason_epoch as reason_epoch',
        'emergency_access.opened_at as opened_at',
        'emergency_access.expires_at as expires_at',
        'emergency_access.closed_at as closed_at',
        'emergency_access.closed_by as closed_by',
      ])
      .where('notices.recipient', '=', userId)
      .orderBy('notices.created_at', 'desc')
      .limit(200)
      .execute();
    const out = [];
    for (const r of rows) {
      const holder = await this.o.directory.user(r.holder);
      out.push({
        id: r.id,
        kind: r.kind,
        pt: r.pt,
        createdAt: r.created_at,
        readAt: r.read_at,
        grant: {
          id: r.grant_id,
          by: r.holder,
          role: holder?.role ?? null,
          reason: await openReason(this.o.keyring, this.o.log, {
            pt: r.pt,
            grant: r.grant_id,
            sealed: r.reason_sealed,
            epoch: r.reason_epoch,
          }),
          openedAt: r.opened_at,
          expiresAt: r.expires_at,
          closedAt: r.closed_at,
          closedBy: r.closed_by,
        },
      });
    }
    return out;
  }

  /** Marks one of the person's notices read (idempotent). */
  async markRead(userId: string, id: string): Promise<void> {
    const res = await this.o.db
      .updateTable('notices')
      .set({ read_at: (this.o.now ?? Date.now)() })
      .where('id', '=', id)
      .where('recipient', '=', userId)
      .where('read_at', 'is', null)
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) === 0) {
      const mine = await this.o.db
        .selectFrom('notices')
        .select('id')
        .where('id', '=', id)
        .where('recipient', '=', userId)
        .executeTakeFirst();
      if (!mine) throw new TutelaError('unknown_notice', Rsc.NOT_FOUND, `no notice ${id}`);
    }
  }
}
