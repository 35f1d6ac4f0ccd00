import type { FastifyInstance } from 'fastify';
import { Rsc } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';

export const NOTIFY_PATH = '/notify/app';

interface Notification {
  'm2m:sgn'?: {
    vrq?: boolean;
    nev?: { rep?: { 'm2m:cin'?: { rn?: unknown; pi?: unknown; con?: unknown } } };
  };
}

/**
 * Where the CSE delivers the application server's notifications (its AE's
 * pointOfAccess, TS-0009 §6.2 NOTIFY as POST). A 2000 means the reading was
 * taken in: assessed (its alert is already raised) and waiting, still in
 * its inbox, to be published, or refused for good; the inbox, not the
 * CSE's outbox, holds it until it is published, and a restart picks it up
 * there. A failure before that answers 5000 and the CSE's outbox tries
 * again later, so nothing is lost while the database is away. Nothing here
 * is trusted: the content is opened and verified by the pipeline.
 */
export async function notifyRoute(
  app: FastifyInstance,
  opts: {
    /**
     * Takes one reading of patient `pt` into the pipeline (see pipeline/pipeline.ts),
     * or a command's ack when `parent` is the patient's acks container (commands/);
     * settles when the delivery may be answered.
     */
    process: (pt: string, con: unknown, inboxRn?: string, parent?: string) => Promise<unknown>;
    patientOfInbox: (ri: string) => string | undefined;
    log: Logger;
  },
): Promise<void> {
  app.post(NOTIFY_PATH, async (req, reply) => {
    const rqi = req.headers['x-m2m-ri'];
    const answer = (rsc: number) =>
      reply
        .code(rsc === Rsc.OK ? 200 : 500)
        .header('x-m2m-rsc', String(rsc))
        .header('x-m2m-rvi', '3')
        .header('x-m2m-ri', typeof rqi === 'string' ? rqi : '')
        .send();
    const sgn = (req.body as Notification | undefined)?.['m2m:sgn'];
    if (!sgn || sgn.vrq) return answer(Rsc.OK);
    const cin = sgn.nev?.rep?.['m2m:cin'];
    const pt = typeof cin?.pi === 'string' ? opts.patientOfInbox(cin.pi) : undefined;
    if (!cin || !pt) {
      opts.log.warn('notification for no known inbox ignored');
      return answer(Rsc.OK);
    }
    try {
      await opts.process(
        pt,
        cin.con,
        typeof cin.rn === 'string' ? cin.rn : undefined,
        cin.pi as string,
      );
      return answer(Rsc.OK);
    } catch (err) {
      opts.log.error({ err, pt }, 'reading could not be processed; the CSE will retry');
      return answer(Rsc.INTERNAL_SERVER_ERROR);
    }
  });
}
