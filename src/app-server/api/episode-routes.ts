import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { CONFIDENTIALITY } from '../../protocol/levels.js';
import { ROLES } from '../directory/roles.js';
import type { CareEpisodes } from '../episodes/episodes.js';
import type { Participant } from '../episodes/store.js';
import { caller } from './auth.js';

export interface EpisodeApiOptions {
  episodes: Pick<CareEpisodes, 'view' | 'invite' | 'remove'>;
}

const ID = Type.String({ pattern: '^[A-Za-z0-9._:-]{1,128}$' });
const PtParams = Type.Object({ pt: ID }, { additionalProperties: false });
const ParticipantParams = Type.Object({ pt: ID, user: ID }, { additionalProperties: false });
const InviteBody = Type.Object(
  {
    user: ID,
    role: Type.Union(ROLES.map((r) => Type.Literal(r))),
    al: Type.Optional(Type.Union(CONFIDENTIALITY.map((c) => Type.Literal(c)))),
    history: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

/** A participant as the API shows it (CONTRACTS.md): no internal ids. */
const shown = (p: Participant) => ({
  user: p.user,
  role: p.role,
  al: p.al,
  history: p.history,
  joinedAt: p.joinedAt,
  invitedBy: p.invitedBy,
});

/**
 * Care episodes, under /app (mounted by api.ts behind the bearer-token hook):
 *
 *     GET    /app/episodes/:pt                      who takes part (the patient and participants may look)
 *     POST   /app/episodes/:pt/participants         invite: access from now on
 *     DELETE /app/episodes/:pt/participants/:user   remove: everything revoked before the answer
 *
 * Who may do what is decided by the Cedar policies (access/, policies/). A caller who takes no
 * part in the episode gets 403 `not_in_episode` whether or not the patient
 * exists, so the API tells outsiders nothing about who is a patient.
 */
export async function episodeRoutes(app: FastifyInstance, opts: EpisodeApiOptions): Promise<void> {
  app.get<{ Params: Static<typeof PtParams> }>(
    '/episodes/:pt',
    { schema: { params: PtParams } },
    async (req) => {
      const v = await opts.episodes.view(req.params.pt, caller(req).id);
      return { pt: v.pt, episode: v.episode, participants: v.participants.map(shown) };
    },
  );

  app.post<{ Params: Static<typeof PtParams>; Body: Static<typeof InviteBody> }>(
    '/episodes/:pt/participants',
    { schema: { params: PtParams, body: InviteBody } },
    async (req, reply) => {
      const p = await opts.episodes.invite(req.params.pt, caller(req).id, req.body);
      return reply.code(201).send({ participant: shown(p) });
    },
  );

  app.delete<{ Params: Static<typeof ParticipantParams> }>(
    '/episodes/:pt/participants/:user',
    { schema: { params: ParticipantParams } },
    async (req) => opts.episodes.remove(req.params.pt, caller(req).id, req.params.user),
  );
}
