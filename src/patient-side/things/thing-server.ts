import type { TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyRequest } from 'fastify';
import { Rsc, TutelaError } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import { BearerTokens } from './auth.js';
import { THINGS, type ActionSpec, type PropertySpec, type ThingSpec } from './devices.js';
import { thingError, UnauthenticatedError } from './errors.js';
import { PropertyStream } from './property-stream.js';
import type { SimulatedPatient } from './simulated-patient.js';
import { describeThing, type ThingDescription } from './thing-description.js';

export interface ThingServerOptions {
  /** The patients whose Things this server hosts, each with the bearer token of all its Things. */
  patients: { token: string; simulation: SimulatedPatient }[];
  /** HTTPS key and certificate (PEM). Without them the server refuses to start... */
  tls?: { key: string; cert: string };
  /** ...unless plain HTTP is asked for explicitly (tests, a loopback-only demo). */
  allowInsecureHttp?: boolean;
  host?: string;
  port?: number;
  /** The host name put in the TDs (must match the certificate); defaults to `host`. */
  publicHost?: string;
  /** How often an observed property is sampled (default 1 s). */
  observeIntervalMs?: number;
  heartbeatMs?: number;
  log?: Logger;
}

export interface ThingServer {
  /** Base URL, e.g. https://127.0.0.1:8443 */
  url: string;
  /** The TDs of one patient's Things, as GET /things serves them to that patient. */
  descriptions(patient: string): ThingDescription[];
  /** How many observations (SSE streams) are open, for monitoring. */
  readonly openObservations: number;
  /** Stops listening and ends every observation stream. */
  close(): Promise<void>;
}

type Params = { patient: string; device: string; name: string };
const TD_MEDIA_TYPE = 'application/td+json'; // TD 1.1 §10.1
const REALM = 'Bearer realm="tutela-things"';

const checks = new Map<TSchema, TypeCheck<TSchema>>();
/** Validates an input at the boundary; the 400 names the first failing member. */
function validated(schema: TSchema, value: unknown, what: string): unknown {
  let check = checks.get(schema);
  if (!check) checks.set(schema, (check = TypeCompiler.Compile(schema)));
  if (check.Check(value)) return value;
  const first = check.Errors(value).First();
  throw thingError.badRequest(
    `invalid ${what}${first ? ` at ${first.path || '/'}: ${first.message}` : ''}`,
  );
}

/**
 * Hosts the simulated Things of one or more patients over HTTP(S), as their
 * TDs describe: a TD directory (GET /things: the caller's patient's TDs;
 * GET /things/:patient/:device), property read (GET) and write (PUT),
 * observation over SSE (GET .../observe) and actions (POST), per the HTTP
 * binding defaults of TD 1.1 §8.3.1. Every request needs the patient's
 * bearer token: 401 without a valid one, 403 for any other patient's Things
 * (whether they exist or not, so ids cannot be probed).
 */
export async function startThingServer(opts: ThingServerOptions): Promise<ThingServer> {
  if (!opts.tls && !opts.allowInsecureHttp)
    throw new TutelaError(
      'tls_required',
      Rsc.BAD_REQUEST,
      'the Thing server needs tls { key, cert }, or allowInsecureHttp: true to serve plain HTTP',
    );
  const tokens = new BearerTokens(
    opts.patients.map((p) => ({ patient: p.simulation.patient, token: p.token })),
  );
  const patients = new Map(opts.patients.map((p) => [p.simulation.patient, p.simulation]));
  if (patients.size !== opts.patients.length)
    throw new TutelaError('config_invalid', Rsc.BAD_REQUEST, 'a patient is listed twice');

  const app = Fastify({
    ...(opts.tls ? { https: { key: opts.tls.key, cert: opts.tls.cert } } : {}),
    logger: false,
    bodyLimit: 16 * 1024,
    // A HEAD on the observe route would open a stream nobody reads.
    exposeHeadRoutes: false,
    return503OnClosing: true,
  }) as unknown as FastifyInstance;
  const streams = new Set<PropertyStream>();
  /** patient → device → TD, made once the real address is known. */
  const tds = new Map<string, Map<string, ThingDescription>>();

  app.setErrorHandler((err: FastifyError | TutelaError, _req, reply) => {
    if (err instanceof UnauthenticatedError)
      reply.header(
        'www-authenticate',
        err.tokenPresented ? `${REALM}, error="invalid_token"` : REALM,
      );
    if (err instanceof TutelaError)
      return reply.code(err.status).send({ error: err.code, message: err.message });
    const status = err.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      const code =
        status === 415
          ? 'unsupported_media_type'
          : status === 413
            ? 'payload_too_large'
            : 'bad_request';
      return reply.code(status).send({ error: code, message: err.message });
    }
    opts.log?.error({ err }, 'Thing server failure');
    return reply.code(500).send({ error: 'internal', message: 'internal error' });
  });
  app.setNotFoundHandler((_req, reply) =>
    reply.code(404).send({ error: 'not_found', message: 'no such resource' }),
  );
  app.addHook('preClose', (done) => {
    for (const s of streams) s.end();
    done();
  });

  // Authentication comes first, before the body is even parsed: deny by default.
  const authenticated = new WeakMap<FastifyRequest, string>();
  app.addHook('onRequest', async (req) => {
    authenticated.set(req, tokens.authenticate(req.headers.authorization));
  });
  const patientOf = (req: FastifyRequest) => authenticated.get(req)!;

  /** Authorises the path's patient; 404s come only after that. */
  function thingOf(req: FastifyRequest): { sim: SimulatedPatient; spec: ThingSpec } {
    const { patient, device } = req.params as Params;
    if (patientOf(req) !== patient)
      throw thingError.forbidden("this token does not give access to this patient's Things");
    const spec = THINGS.find((t) => t.name === device);
    if (!spec) throw thingError.notFound(`no Thing "${device}"`);
    return { sim: patients.get(patient)!, spec };
  }
  const propertyOf = (spec: ThingSpec, name: string): PropertySpec => {
    const p = Object.hasOwn(spec.properties, name) ? spec.properties[name] : undefined;
    if (!p) throw thingError.notFound(`${spec.name} has no property "${name}"`);
    return p;
  };
  const actionOf = (spec: ThingSpec, name: string): ActionSpec => {
    const a = Object.hasOwn(spec.actions, name) ? spec.actions[name] : undefined;
    if (!a) throw thingError.notFound(`${spec.name} has no action "${name}"`);
    return a;
  };

  app.get('/things', async (req, reply) =>
    reply.type(TD_MEDIA_TYPE).send([...tds.get(patientOf(req))!.values()]),
  );

  app.get('/things/:patient/:device', async (req, reply) => {
    const { spec } = thingOf(req);
    const { patient } = req.params as Params;
    return reply.type(TD_MEDIA_TYPE).send(tds.get(patient)!.get(spec.name));
  });

  app.get('/things/:patient/:device/properties/:name', async (req) => {
    const { sim, spec } = thingOf(req);
    return propertyOf(spec, (req.params as Params).name).read(sim);
  });

  app.put('/things/:patient/:device/properties/:name', async (req, reply) => {
    const { sim, spec } = thingOf(req);
    const { name } = req.params as Params;
    const property = propertyOf(spec, name);
    if (!property.write) {
      reply.header('allow', 'GET');
      throw thingError.notAllowed(`property "${name}" is read-only`);
    }
    property.write(sim, validated(property.schema, req.body, `value for ${name}`));
    return reply.code(204).send();
  });

  app.get('/things/:patient/:device/properties/:name/observe', async (req, reply) => {
    const { sim, spec } = thingOf(req);
    const { name } = req.params as Params;
    const property = propertyOf(spec, name);
    reply.hijack();
    const stream = new PropertyStream(
      reply.raw,
      {
        event: name,
        intervalMs: opts.observeIntervalMs ?? 1_000,
        heartbeatMs: opts.heartbeatMs ?? 15_000,
        sample: () => property.read(sim),
      },
      () => streams.delete(stream),
    );
    streams.add(stream);
    stream.start();
  });

  app.post('/things/:patient/:device/actions/:name', async (req) => {
    const { sim, spec } = thingOf(req);
    const { name } = req.params as Params;
    const action = actionOf(spec, name);
    if (!action.input) {
      if (req.body !== undefined && req.body !== null)
        throw thingError.badRequest(`action "${name}" takes no input`);
      return action.invoke(sim, undefined);
    }
    return action.invoke(sim, validated(action.input, req.body, `input for ${name}`));
  });

  const host = opts.host ?? '127.0.0.1';
  await app.listen({ host, port: opts.port ?? 0 });
  const address = app.server.address();
  const port = address && typeof address === 'object' ? address.port : opts.port;
  const wildcard = host === '0.0.0.0' || host === '::';
  const shown = opts.publicHost ?? (wildcard ? 'localhost' : host);
  const url = `${opts.tls ? 'https' : 'http'}://${shown.includes(':') ? `[${shown}]` : shown}:${port}`;
  for (const patient of patients.keys())
    tds.set(patient, new Map(THINGS.map((s) => [s.name, describeThing(s, patient, url)])));

  return {
    url,
    descriptions: (patient) => [...(tds.get(patient)?.values() ?? [])],
    get openObservations() {
      return streams.size;
    },
    close: () => app.close(),
  };
}
