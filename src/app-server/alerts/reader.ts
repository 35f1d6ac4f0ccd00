import type { Logger } from '../../core/log.js';
import { criticalityRank, type Confidentiality } from '../../protocol/levels.js';
import type { Keyring } from '../keyring/keyring.js';
import type { AppDb } from '../store/db.js';
import { toAlert, type Alert, type Delivery } from './model.js';
import { openText } from './seal.js';
import { alertStore as store } from './store.js';
import { alertView, seesFinding, type AlertFacts, type AlertView } from './view.js';

/**
 * Reads alerts for people: the facts a view needs (the sealed text opened
 * only when the reader may see it, the roles alerted), lists in display
 * order, deliveries, and the events a reconnecting client missed.
 */
export class AlertReader {
  constructor(
    private readonly o: { db: AppDb; keyring: Pick<Keyring, 'dataKeyAt'>; log: Logger },
  ) {}

  /** The view of one alert for a reader at `al` (view.ts decides what they see). */
  async view(alert: Alert, al: Confidentiality | null): Promise<AlertView> {
    return alertView(al, await this.facts(alert, seesFinding(al)));
  }

  async facts(alert: Alert, withText: boolean): Promise<AlertFacts> {
    const deliveries = await store.deliveries(this.o.db, alert.id);
    const alerted = [...new Set(deliveries.map((d) => d.role))];
    let text: string | null = null;
    if (withText) {
      const row = await store.get(this.o.db, alert.id);
      if (row)
        text = await openText(this.o.keyring, this.o.log, {
          pt: alert.pt,
          alert: alert.id,
          sealed: row.sealed.text_sealed,
          epoch: row.sealed.text_epoch,
        });
    }
    return { ...alert, text, alerted };
  }

  /** The alerts of these patients: open first, then highest CL, then newest (GET /app/alerts). */
  async list(pts: string[], limit = 200): Promise<Alert[]> {
    const rows = (await store.ofPatients(this.o.db, pts, 1000)).map(toAlert);
    const open = (a: Alert) => (a.state === 'resolved' ? 1 : 0);
    return rows
      .sort(
        (a, b) =>
          open(a) - open(b) ||
          criticalityRank(b.cl) - criticalityRank(a.cl) ||
          b.raisedAt - a.raisedAt,
      )
      .slice(0, limit);
  }

  async get(id: string): Promise<Alert | undefined> {
    const a = await store.get(this.o.db, id);
    if (!a) return undefined;
    const { sealed: _s, ...alert } = a;
    return alert;
  }

  deliveries(alertId: string): Promise<Delivery[]> {
    return store.deliveries(this.o.db, alertId);
  }

  markDelivery(
    alertId: string,
    user: string,
    status: 'delivered' | 'seen' | 'failed',
    at: number,
    error?: string,
  ) {
    return store.markDelivery(this.o.db, alertId, user, status, at, error);
  }

  eventsAfter(pts: string[], seq: number, limit: number) {
    return store.eventsAfter(this.o.db, pts, seq, limit);
  }

  lastSeq(): Promise<number> {
    return store.lastSeq(this.o.db);
  }
}
