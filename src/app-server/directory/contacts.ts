import type { AuditLog } from '../audit/audit.js';
import type { AppDb } from '../store/db.js';

/**
 * Where people want alerts e-mailed (issue 5 item 4). Each person sets
 * their own address (PUT /app/me/contact) or removes it; the alert
 * e-mails (../alerts/outbound.ts) go only to people who gave one. Changes
 * are audited without the address itself.
 */
export class Contacts {
  constructor(private readonly o: { db: AppDb; audit: AuditLog; now?: () => number }) {}

  async email(user: string): Promise<string | undefined> {
    const row = await this.o.db
      .selectFrom('contacts')
      .select('email')
      .where('user_id', '=', user)
      .executeTakeFirst();
    return row?.email;
  }

  /** Sets (or, with null, removes) the caller's own address. */
  async setEmail(user: string, email: string | null): Promise<void> {
    const db = this.o.db;
    if (email === null) await db.deleteFrom('contacts').where('user_id', '=', user).execute();
    else {
      const updated_at = (this.o.now ?? Date.now)();
      await db
        .insertInto('contacts')
        .values({ user_id: user, email, updated_at })
        .onConflict((oc) => oc.column('user_id').doUpdateSet({ email, updated_at }))
        .execute();
    }
    await this.o.audit.record({
      actor: user,
      action: email === null ? 'contact.remove' : 'contact.set',
      outcome: 'ok',
    });
  }
}
