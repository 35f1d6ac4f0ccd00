import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  asTutelaError,
  m2mError,
  Rsc,
  TutelaError,
  httpStatusForRsc,
} from '../../../core/errors.js';
import {
  authenticateOriginator,
  bearerToken,
  clientCertificate,
} from '../access/originator-auth.js';
import type { CseContext } from '../procedures/context.js';
import { execute } from '../procedures/execute.js';
import type { M2MResponse } from '../procedures/request.js';
import { requestFromHttp } from './request-from-http.js';

const JSON_TYPES = ['application/json', 'application/vnd.onem2m-res+json'];

/**
 * The CSE's HTTP binding (TS-0009), registered in its own Fastify scope:
 * every path not claimed by another zone is a oneM2M address, and every
 * response, success or error, carries X-M2M-RSC.
 */
export async function registerHttpBinding(
  app: FastifyInstance,
  ctx: CseContext,
  maxBodyBytes: number,
): Promise<void> {
  await app.register(async (scope) => {
    const jsonParser = scope.getDefaultJsonParser('error', 'error');
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser(
      JSON_TYPES,
      { parseAs: 'string', bodyLimit: maxBodyBytes },
      (req, body, done) => {
        if (body === '') return done(null, undefined);
        jsonParser(req, body as string, (err, value) =>
          err
            ? done(m2mError.badRequest(`malformed JSON body: ${err.message}`))
            : done(null, value),
        );
      },
    );
    scope.addContentTypeParser(
      '*',
      { parseAs: 'string', bodyLimit: maxBodyBytes },
      (req, _body, done) =>
        done(
          m2mError.badRequest(
            `Content-Type "${String(req.headers['content-type'])}" is not supported; use application/json`,
          ),
        ),
    );

    scope.setErrorHandler((err: FastifyError, request, reply) => {
      const e = toM2MError(err);
      if (e.rsc >= 5000)
        ctx.log.error(
          { err: e.cause ?? err, url: request.url, method: request.method },
          'CSE request failed',
        );
      send(reply, request, { rsc: e.rsc, pc: { 'm2m:dbg': e.message } });
    });
    scope.setNotFoundHandler((request, reply) =>
      send(reply, request, {
        rsc: Rsc.OPERATION_NOT_ALLOWED,
        pc: { 'm2m:dbg': `HTTP method ${request.method} has no oneM2M operation` },
      }),
    );
    scope.route({
      method: ['GET', 'POST', 'PUT', 'DELETE'],
      url: '/*',
      handler: async (request, reply) => {
        const req = requestFromHttp(request);
        await authenticateOriginator(ctx.authenticateOriginator, {
          originator: req.fr,
          op: req.op,
          to: req.to,
          certificate: clientCertificate(request.raw.socket),
          token: bearerToken(request.headers),
          ip: req.ip,
        });
        return send(reply, request, await execute(ctx, req));
      },
    });
  });
}

function toM2MError(err: FastifyError): TutelaError {
  if (err instanceof TutelaError) return err;
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return m2mError.notAcceptable(`request body is larger than this CSE accepts`);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return m2mError.badRequest(err.message);
    default:
      return err.statusCode && err.statusCode < 500
        ? m2mError.badRequest(err.message)
        : asTutelaError(err);
  }
}

function send(reply: FastifyReply, request: FastifyRequest, res: M2MResponse): FastifyReply {
  const rqi = request.headers['x-m2m-ri'];
  const rvi = request.headers['x-m2m-rvi'];
  reply.code(httpStatusForRsc(res.rsc)).header('X-M2M-RSC', String(res.rsc));
  if (typeof rqi === 'string') reply.header('X-M2M-RI', rqi);
  reply.header('X-M2M-RVI', typeof rvi === 'string' ? rvi : '3');
  if (res.location) reply.header('Content-Location', res.location);
  if (res.cts) reply.header('X-M2M-CTS', String(res.cts)).header('X-M2M-CTO', String(res.cto));
  if (res.pc === undefined) return reply.send();
  return reply.type('application/json').send(JSON.stringify(res.pc));
}
