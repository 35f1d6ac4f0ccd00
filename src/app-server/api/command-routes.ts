import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { RemoteCommands } from '../commands/index.js';
import { caller } from './auth.js';

export interface CommandApiOptions {
  commands: Pick<RemoteCommands, 'issue' | 'confirm' | 'list' | 'get'>;
}

const ID = Type.String({ pattern: '^[A-Za-z0-9._:-]{1,128}$' });
const PtParams = Type.Object({ pt: ID }, { additionalProperties: false });
const CommandParams = Type.Object({ pt: ID, id: ID }, { additionalProperties: false });
/**
 * Kind and device are checked against the command vocabulary by the
 * service (400 `unknown_kind`, `unknown_device`), and params against the
 * kind's own schema (400 `bad_params`, naming the member and the bound):
 * clearer answers than a union's "expected one of".
 */
const IssueBody = Type.Object(
  {
    kind: Type.String({ minLength: 1, maxLength: 32 }),
    device: Type.String({ minLength: 1, maxLength: 64 }),
    params: Type.Optional(Type.Record(Type.String({ maxLength: 32 }), Type.Unknown())),
  },
  { additionalProperties: false },
);

/**
 * Remote commands to a patient's devices, under /app (issue 5 item 5):
 *
 *     POST /app/patients/:pt/commands               issue (202: sent, or awaiting confirmation)
 *     GET  /app/patients/:pt/commands               the patient's commands, newest first
 *     GET  /app/patients/:pt/commands/:id           one command and its state
 *     POST /app/patients/:pt/commands/:id/confirm   a second clinician confirms a dose change (202)
 */
export async function commandRoutes(app: FastifyInstance, opts: CommandApiOptions): Promise<void> {
  app.post<{ Params: Static<typeof PtParams>; Body: Static<typeof IssueBody> }>(
    '/patients/:pt/commands',
    { schema: { params: PtParams, body: IssueBody } },
    async (req, reply) => {
      const command = await opts.commands.issue(req.params.pt, caller(req), req.body);
      return reply.code(202).send({ command });
    },
  );

  app.get<{ Params: Static<typeof PtParams> }>(
    '/patients/:pt/commands',
    { schema: { params: PtParams } },
    async (req) => ({ commands: await opts.commands.list(req.params.pt, caller(req)) }),
  );

  app.get<{ Params: Static<typeof CommandParams> }>(
    '/patients/:pt/commands/:id',
    { schema: { params: CommandParams } },
    async (req) => ({
      command: await opts.commands.get(req.params.pt, req.params.id, caller(req)),
    }),
  );

  app.post<{ Params: Static<typeof CommandParams> }>(
    '/patients/:pt/commands/:id/confirm',
    { schema: { params: CommandParams } },
    async (req, reply) => {
      const command = await opts.commands.confirm(req.params.pt, req.params.id, caller(req));
      return reply.code(202).send({ command });
    },
  );
}
