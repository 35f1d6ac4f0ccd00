import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { Rsc, TutelaError } from '../../core/errors.js';
import type { DeviceOnboarding } from './onboarding.js';
import { RateLimiter } from './rate-limit.js';
import { unknownDevice } from './registry.js';

/** Decides whether the caller may manage a patient's devices; may throw `unauthenticated`. */
export type AuthorizeDevices = (
  request: FastifyRequest,
  pt: string,
) => Promise<{ user: string } | undefined>;

export interface DeviceRoutesOptions {
  onboarding: DeviceOnboarding;
  authorize: AuthorizeDevices;
  /** Claims per client IP and window (default 10 a minute). */
  claimRateLimit?: { max: number; windowMs: number };
  now?: () => number;
}

const ID = Type.String({ pattern: '^[A-Za-z0-9._:-]{1,128}$' });
const PtBody = Type.Object({ pt: ID }, { additionalProperties: false });
const PtQuery = Type.Object({ pt: ID }, { additionalProperties: false });
const DevParams = Type.Object({ dev: ID }, { additionalProperties: false });
const ClaimBody = Type.Object(
  {
    code: Type.String({ minLength: 1, maxLength: 64 }),
    csr: Type.String({ minLength: 1, maxLength: 8192 }),
    hpkePublicKey: Type.String({ pattern: '^[A-Za-z0-9_-]{43}$' }),
  },
  { additionalProperties: false },
);

/** HTTP status of each error code this API answers with (CONTRACTS.md). */
const STATUS: Record<string, number> = {
  unauthenticated: 401,
  not_allowed: 403,
  invalid_claim_code: 403,
  unknown_device: 404,
  unknown_patient: 404,
  rate_limited: 429,
  enrolment_failed: 503,
};

export class RateLimitedError extends TutelaError {
  constructor(readonly retryAfter: number) {
    super(
      'rate_limited',
      Rsc.BAD_REQUEST,
      `too many claim attempts from this address; retry in ${retryAfter} s`,
    );
  }
}

const notAllowed = (pt: string) =>
  new TutelaError(
    'not_allowed',
    Rsc.ORIGINATOR_HAS_NO_PRIVILEGE,
    `you may not manage the devices of ${pt}`,
  );

/**
 * The authorization server's device API, under /auth/devices:
 *
 *     POST /auth/devices/claim-codes   a one-time code to claim a gateway for a patient (bearer)
 *     GET  /auth/devices?pt=<pt>       the patient's devices (bearer)
 *     POST /auth/devices/claim         the gateway claims itself: code + CSR + HPKE key (no bearer)
 *     POST /auth/devices/:dev/revoke   revoke a device (bearer)
 *
 * Claims are rate limited per client address (429 with Retry-After).
 */
export async function deviceRoutes(app: FastifyInstance, opts: DeviceRoutesOptions): Promise<void> {
  const limit = opts.claimRateLimit ?? { max: 10, windowMs: 60_000 };
  const limiter = new RateLimiter(limit.max, limit.windowMs, opts.now);

  // TypeBox checks the schemas as written: Fastify's default Ajv would silently drop unknown
  // properties (removeAdditional) instead of refusing them.
  app.setValidatorCompiler(({ schema }) => {
    const check = TypeCompiler.Compile(schema as TSchema);
    return (data: unknown) => {
      if (check.Check(data)) return { value: data };
      const first = check.Errors(data).First();
      return { error: new Error(`${first?.path || '/'}: ${first?.message ?? 'invalid'}`) };
    };
  });

  app.setErrorHandler((err: unknown, _req: FastifyRequest, reply: FastifyReply) => {
    if (err instanceof TutelaError) {
      if (err instanceof RateLimitedError) void reply.header('retry-after', String(err.retryAfter));
      if (err.code === 'unauthenticated')
        void reply.header('www-authenticate', 'Bearer realm="tutela"');
      return reply
        .code(STATUS[err.code] ?? err.status)
        .send({ error: err.code, message: err.message });
    }
    const e = err as { validation?: unknown; statusCode?: number; message?: string };
    if (e.validation || (e.statusCode && e.statusCode < 500))
      return reply.code(e.statusCode ?? 400).send({ error: 'bad_request', message: e.message });
    app.log.error({ err }, 'device API failed');
    return reply.code(500).send({ error: 'internal', message: 'internal error' });
  });

  const allowed = async (req: FastifyRequest, pt: string): Promise<string> => {
    const who = await opts.authorize(req, pt);
    if (!who) throw notAllowed(pt);
    return who.user;
  };

  app.post<{ Body: Static<typeof PtBody> }>(
    '/claim-codes',
    { schema: { body: PtBody } },
    async (req, reply) => {
      const user = await allowed(req, req.body.pt);
      const code = await opts.onboarding.createClaimCode(req.body.pt, user);
      return reply.code(201).send(code);
    },
  );

  app.get<{ Querystring: Static<typeof PtQuery> }>(
    '/',
    { schema: { querystring: PtQuery } },
    async (req) => {
      await allowed(req, req.query.pt);
      return { devices: await opts.onboarding.list(req.query.pt) };
    },
  );

  app.post<{ Body: Static<typeof ClaimBody> }>(
    '/claim',
    { schema: { body: ClaimBody } },
    async (req, reply) => {
      const wait = limiter.hit(req.ip);
      if (wait > 0) throw new RateLimitedError(wait);
      return reply.code(201).send(await opts.onboarding.claim(req.body));
    },
  );

  app.post<{ Params: Static<typeof DevParams> }>(
    '/:dev/revoke',
    { schema: { params: DevParams } },
    async (req) => {
      const dev = req.params.dev;
      if (!/^Bearer /.test(req.headers.authorization ?? ''))
        throw new TutelaError(
          'unauthenticated',
          Rsc.ORIGINATOR_HAS_NOT_REGISTERED,
          'a valid bearer token is required',
        );
      const row = await opts.onboarding.registry.get(dev);
      if (!row) throw unknownDevice(dev);
      const user = await allowed(req, row.pt);
      return opts.onboarding.revoke(dev, user);
    },
  );
}
