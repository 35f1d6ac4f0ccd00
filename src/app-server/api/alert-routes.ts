import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { Rsc, TutelaError } from '../../core/errors.js';
import type { AlertAudience, AlertEngine, AlertReader } from '../alerts/index.js';
import type { AuditLog } from '../audit/audit.js';
import type { CareEpisodes } from '../episodes/index.js';
import { caller } from './auth.js';

export interface AlertApiOptions {
  engine: Pick<AlertEngine, 'get' | 'acknowledge' | 'escalate' | 'resolve'>;
  reader: AlertReader;
  audience: AlertAudience;
  episodes: Pick<CareEpisodes, 'participation'>;
  audit: AuditLog;
}

const IdParams = Type.Object(
  { id: Type.String({ pattern: '^al-[a-z0-9]{1,64}$' }) },
  { additionalProperties: false },
);
type Params = { Params: Static<typeof IdParams> };
const ACTIONS = ['acknowledge', 'escalate', 'resolve'] as const;

/** Unknown, or not the caller's to know about: the same answer, so outsiders learn nothing. */
const unknown = (id: string) => new TutelaError('unknown_alert', Rsc.NOT_FOUND, `no alert ${id}`);

/**
 * The alerts of the caller's patients, under /app (issue 5 item 5):
 *
 *     GET  /app/alerts                    my patients' alerts: open first, highest CL first
 *     GET  /app/alerts/:id                one alert (+ delivery per recipient, for the care team)
 *     POST /app/alerts/:id/acknowledge    I take it
 *     POST /app/alerts/:id/escalate       alert the next step of the chain now
 *     POST /app/alerts/:id/resolve        the patient is safe: close it
 *     GET  /app/alerts/live               WebSocket, see alert-live.ts
 *
 * Who hears about alerts: readAlerts (read.cedar); what they see: alerts/view.ts
 * (by AL); who handles them: handleAlert (alerts.cedar: the episode's
 * doctors, nurses and responders). Every action, done or refused, is audited.
 */
export async function alertRoutes(app: FastifyInstance, opts: AlertApiOptions): Promise<void> {
  app.get('/alerts', async (req) => {
    const hearing = await opts.audience.patientsOf(caller(req));
    const al = new Map(hearing.map((h) => [h.pt, h.al]));
    const alerts = await opts.reader.list([...al.keys()]);
    return {
      alerts: await Promise.all(alerts.map((a) => opts.reader.view(a, al.get(a.pt) ?? null))),
    };
  });

  app.get<Params>('/alerts/:id', { schema: { params: IdParams } }, async (req) => {
    const { alert, hearing, handles } = await find(req, req.params.id);
    const user = caller(req);
    const deliveries = handles ? await opts.reader.deliveries(alert.id) : undefined;
    // Opening the alert is seeing it (GET by a recipient).
    if (deliveries?.some((d) => d.recipient === user.id))
      await opts.reader.markDelivery(alert.id, user.id, 'seen', Date.now());
    return {
      alert: await opts.reader.view(alert, hearing.al),
      ...(deliveries ? { deliveries: await opts.reader.deliveries(alert.id) } : {}),
    };
  });

  for (const action of ACTIONS)
    app.post<Params>(`/alerts/:id/${action}`, { schema: { params: IdParams } }, async (req) => {
      const user = caller(req);
      const id = req.params.id;
      const refused = (detail: string, pt?: string) =>
        opts.audit.record({
          actor: user.id,
          action: `alert.${action}`,
          ...(pt ? { pt } : {}),
          outcome: 'refused',
          detail: `${id}: ${detail}`,
        });
      const found = await find(req, id).catch(async (err: unknown) => {
        await refused('unknown or not heard');
        throw err;
      });
      const pt = found.alert.pt;
      if (!found.handles) {
        await refused('not_allowed', pt);
        throw new TutelaError(
          'not_allowed',
          Rsc.ORIGINATOR_HAS_NO_PRIVILEGE,
          `as ${found.hearing.participant.role} you may not ${action} alerts of ${pt}`,
        );
      }
      try {
        const alert = await opts.engine[action](id, user.id);
        return { alert: await opts.reader.view(alert, found.hearing.al) };
      } catch (err) {
        if (err instanceof TutelaError) await refused(err.code, pt);
        throw err;
      }
    });

  /** The alert, if the caller hears about its patient's alerts; 404 otherwise. */
  async function find(req: FastifyRequest, id: string) {
    const user = caller(req);
    const alert = await opts.engine.get(id);
    const p = alert && (await opts.episodes.participation(alert.pt, user.id));
    if (!alert || !p || !opts.audience.hears(user, p)) throw unknown(id);
    const [hearing] = (await opts.audience.patientsOf(user)).filter((h) => h.pt === alert.pt);
    if (!hearing) throw unknown(id);
    return { alert, hearing, handles: opts.audience.handles(user, p) };
  }
}
