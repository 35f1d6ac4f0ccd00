import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { TutelaError } from '../../core/errors.js';

/**
 * The /app API's one error serialiser: `{ error, message }` with the
 * status of the TutelaError (401 for `unauthenticated`), 400 `bad_request`
 * for what fails a schema, and a bare 500 that says nothing of the cause.
 */
export function apiErrorHandler(app: FastifyInstance) {
  return (err: FastifyError | TutelaError, _req: FastifyRequest, reply: FastifyReply) => {
    if (err instanceof TutelaError) {
      const status = err.code === 'unauthenticated' ? 401 : err.status;
      return reply.code(status).send({ error: err.code, message: err.message });
    }
    const e = err as { validation?: unknown; statusCode?: number; message?: string };
    if (e.validation || (e.statusCode && e.statusCode < 500))
      return reply.code(e.statusCode ?? 400).send({ error: 'bad_request', message: e.message });
    app.log.error({ err }, 'API call failed');
    return reply.code(500).send({ error: 'internal', message: 'internal error' });
  };
}
