import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { GRANT_MINUTES, type EmergencyAccess, type Grant } from '../emergency/break-glass.js';
import type { Notices } from '../emergency/notices.js';
import { caller } from './auth.js';

export interface EmergencyApiOptions {
  emergency: Pick<EmergencyAccess, 'open' | 'close'>;
  notices: Pick<Notices, 'noticesOf' | 'markRead'>;
}

const ID = Type.String({ pattern: '^[A-Za-z0-9._:-]{1,128}$' });
const OpenBody = Type.Object(
  {
    pt: ID,
    reason: Type.String({ minLength: 1, maxLength: 1000 }),
    minutes: Type.Optional(Type.Integer({ minimum: 1, maximum: GRANT_MINUTES.max })),
  },
  { additionalProperties: false },
);
const IdParams = Type.Object({ id: ID }, { additionalProperties: false });

const shown = (g: Grant) => ({
  id: g.id,
  pt: g.pt,
  user: g.user,
  openedAt: g.openedAt,
  expiresAt: g.expiresAt,
  closedAt: g.closedAt,
  closedBy: g.closedBy,
});

/**
 * Break the glass, under /app (mounted by api.ts behind the bearer-token hook):
 *
 *     POST   /app/emergency              open emergency access to a patient (reason mandatory)
 *     DELETE /app/emergency/:id          end it early (its holder, or the patient)
 *     GET    /app/notices                what I was told (the patient, the DPO), newest first
 *     POST   /app/notices/:id/read       mark one read
 */
export async function emergencyRoutes(
  app: FastifyInstance,
  opts: EmergencyApiOptions,
): Promise<void> {
  app.post<{ Body: Static<typeof OpenBody> }>(
    '/emergency',
    { schema: { body: OpenBody } },
    async (req, reply) => {
      const { pt, reason, minutes } = req.body;
      const grant = await opts.emergency.open(pt, caller(req), reason, minutes);
      return reply.code(201).send({ grant: shown(grant) });
    },
  );

  app.delete<{ Params: Static<typeof IdParams> }>(
    '/emergency/:id',
    { schema: { params: IdParams } },
    async (req) => ({ grant: shown(await opts.emergency.close(req.params.id, caller(req))) }),
  );

  app.get('/notices', async (req) => ({ notices: await opts.notices.noticesOf(caller(req).id) }));

  app.post<{ Params: Static<typeof IdParams> }>(
    '/notices/:id/read',
    { schema: { params: IdParams } },
    async (req, reply) => {
      await opts.notices.markRead(caller(req).id, req.params.id);
      return reply.code(204).send();
    },
  );
}
