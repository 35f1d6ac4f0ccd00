import type { AppDb } from '../store/db.js';

/** What the audit trail records; `detail` is an outcome code or id, never health data. */
export interface AuditEntry {
  actor: string;
  action: string;
  pt?: string | undefined;
  outcome: 'ok' | 'refused' | 'rejected' | 'failed';
  detail?: string;
}

/**
 * The application server's audit trail (GDPR Art. 30 records, HIPAA
 * §164.312(b) audit controls): every reading rejected, every key released
 * or refused. Entries are appended, never updated.
 */
export class AuditLog {
  constructor(
    private readonly db: AppDb,
    private readonly now: () => number = Date.now,
  ) {}

  async record(e: AuditEntry): Promise<void> {
    await this.db
      .insertInto('audit')
      .values({
        at: this.now(),
        actor: e.actor,
        action: e.action,
        pt: e.pt ?? null,
        outcome: e.outcome,
        detail: e.detail ?? '',
      })
      .execute();
  }

  /** The latest entries, newest first (optionally for one patient). */
  async recent(limit = 100, pt?: string) {
    let q = this.db.selectFrom('audit').selectAll().orderBy('seq', 'desc').limit(limit);
    if (pt) q = q.where('pt', '=', pt);
    return q.execute();
  }
}
