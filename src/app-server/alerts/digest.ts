import type { Logger } from '../../core/log.js';
import { CRITICALITY, criticalityRank, type Criticality } from '../../protocol/levels.js';
import type { Role } from '../directory/roles.js';
import type { Mailer } from '../outbound/mail.js';
import type { AppDb } from '../store/db.js';

const DAY_MS = 86_400_000;

export interface AlertDigestOptions {
  db: AppDb;
  log: Logger;
  mailer: Pick<Mailer, 'send'>;
  /** The patient's current participants (the care episode). */
  participants: (pt: string) => Promise<Array<{ user: string; role: Role }>>;
  email: (user: string) => Promise<string | undefined>;
  platformUrl: () => string | undefined;
  /** Sent once a day, from this hour (UTC) on. */
  hourUtc: number;
  /** Who gets it (issue 5 item 3: the family). */
  roles: readonly Role[];
  now?: () => number;
}

/** One patient's last 24 hours, as a digest tells it: counts and roles, never a finding. */
interface PatientDay {
  pt: string;
  byCl: Map<Criticality, number>;
  open: number;
  alerted: Set<string>;
}

/**
 * The daily digest of alerts for those who should know but not be woken
 * (issue 5 item 3: "a daily digest for the family"): once a day, from
 * `hourUtc`, each participant with one of `roles` who gave an address gets
 * one e-mail about their patients' alerts of the last 24 hours: how many,
 * of which criticality, which roles of the care team were alerted, how many
 * are still open. No finding, value or rule: their level would not show it,
 * and e-mail is not end-to-end encrypted. Sent at most once a day per
 * person (alert_digests), also across restarts.
 */
export class AlertDigest {
  private readonly now: () => number;

  constructor(private readonly o: AlertDigestOptions) {
    this.now = o.now ?? Date.now;
  }

  /** Sends today's digests if it is time and they are not sent yet; returns how many went. */
  async run(): Promise<number> {
    const now = this.now();
    if (new Date(now).getUTCHours() < this.o.hourUtc) return 0;
    const day = new Date(now).toISOString().slice(0, 10);
    const days = await this.lastDay(now);
    const byPerson = new Map<string, PatientDay[]>();
    for (const d of days.values())
      for (const p of await this.o.participants(d.pt))
        if (this.o.roles.includes(p.role))
          byPerson.set(p.user, [...(byPerson.get(p.user) ?? []), d]);
    let sent = 0;
    for (const [user, patients] of byPerson) {
      const done = await this.o.db
        .selectFrom('alert_digests')
        .select('user_id')
        .where('user_id', '=', user)
        .where('day', '=', day)
        .executeTakeFirst();
      const to = done ? undefined : await this.o.email(user);
      if (!to) continue;
      try {
        await this.o.mailer.send({ to, ...digestMail(day, patients, this.o.platformUrl()) });
      } catch (err) {
        this.o.log.warn({ err, user }, 'alert digest not sent; tried again at the next sweep');
        continue;
      }
      await this.o.db
        .insertInto('alert_digests')
        .values({ user_id: user, day, sent_at: now })
        .onConflict((oc) => oc.columns(['user_id', 'day']).doNothing())
        .execute();
      sent++;
    }
    return sent;
  }

  private async lastDay(now: number): Promise<Map<string, PatientDay>> {
    const alerts = await this.o.db
      .selectFrom('alerts')
      .select(['id', 'pt', 'cl', 'state'])
      .where('raised_at', '>', now - DAY_MS)
      .where('superseded_by', 'is', null)
      .execute();
    const days = new Map<string, PatientDay>();
    for (const a of alerts) {
      const d = days.get(a.pt) ?? { pt: a.pt, byCl: new Map(), open: 0, alerted: new Set() };
      days.set(a.pt, d);
      const cl = a.cl as Criticality;
      d.byCl.set(cl, (d.byCl.get(cl) ?? 0) + 1);
      if (a.state !== 'resolved') d.open++;
      const roles = await this.o.db
        .selectFrom('alert_deliveries')
        .select('role')
        .distinct()
        .where('alert_id', '=', a.id)
        .where('channel', '=', 'in-app')
        .execute();
      for (const r of roles) d.alerted.add(r.role);
    }
    return days;
  }
}

/** The digest e-mail: per patient, counts by criticality, who was alerted, what is still open. */
export function digestMail(
  day: string,
  patients: Array<Pick<PatientDay, 'pt' | 'byCl' | 'open' | 'alerted'>>,
  platformUrl: string | undefined,
): { subject: string; text: string } {
  const lines = patients.map((p) => {
    const total = [...p.byCl.values()].reduce((a, b) => a + b, 0);
    const counts = [...CRITICALITY]
      .sort((a, b) => criticalityRank(b) - criticalityRank(a))
      .filter((cl) => p.byCl.get(cl))
      .map((cl) => `${p.byCl.get(cl)} ${cl}`)
      .join(', ');
    const who = [...p.alerted].sort().join(', ') || 'nobody yet';
    const open = p.open === 0 ? 'all dealt with' : `${p.open} still open`;
    return `- ${p.pt}: ${total} alert${total === 1 ? '' : 's'} (${counts}); alerted: ${who}; ${open}.`;
  });
  return {
    subject: `Tutela: daily summary of alerts, ${day}`,
    text: [
      'In the last 24 hours:',
      ...lines,
      '',
      `The care team handles each alert. More in Tutela: ${platformUrl ? `${platformUrl}/web/` : 'the Tutela web app'}`,
      '',
      'For the patient’s privacy this message holds no clinical details.',
      '',
    ].join('\n'),
  };
}
