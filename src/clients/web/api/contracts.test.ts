import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, createApi, describeError, notAvailable } from '../session/api.js';
import { devicesApi } from './devices.js';
import { episodesApi, type Participant } from './episodes.js';

/**
 * The web app's clients of the episodes and devices APIs, against a small
 * fake that follows CONTRACTS.md (the real services are built in parallel;
 * the e2e test covers what the platform serves).
 */
const TOKEN = 'doctor-token-0123456789';

function fake(): FastifyInstance {
  const app = Fastify();
  const participants = new Map<string, Participant>([
    ['p1', { user: 'p1', role: 'patient', al: 'V', history: true, joinedAt: 1, invitedBy: null }],
  ]);
  const devices = [
    {
      dev: 'gw-1',
      pt: 'pt-1',
      status: 'active',
      serial: '01',
      notAfter: '2027-01-01T00:00:00Z',
      claimedAt: 5,
    },
  ];
  const err = (code: string, message: string) => ({ error: code, message });
  app.addHook('onRequest', async (req, reply) => {
    if (req.headers.authorization !== `Bearer ${TOKEN}` && !req.url.startsWith('/none'))
      return reply
        .code(401)
        .header('www-authenticate', 'Bearer')
        .send(err('unauthenticated', 'a valid bearer token is required'));
  });
  app.get<{ Params: { pt: string } }>('/app/episodes/:pt', async (req, reply) =>
    req.params.pt === 'pt-1'
      ? { pt: 'pt-1', episode: 'ep-1', participants: [...participants.values()] }
      : reply
          .code(403)
          .send(err('not_in_episode', `you are not in the episode of ${req.params.pt}`)),
  );
  app.post<{ Body: { user: string; role: string; al?: string; history?: boolean } }>(
    '/app/episodes/:pt/participants',
    async (req, reply) => {
      const { user, role, al, history } = req.body;
      if (participants.has(user)) return reply.code(409).send(err('already_participant', user));
      const p = { user, role, al: al ?? 'N', history: !!history, joinedAt: 9, invitedBy: 'doctor' };
      participants.set(user, p);
      return reply.code(201).send({ participant: p });
    },
  );
  app.delete<{ Params: { user: string } }>('/app/episodes/:pt/participants/:user', async (req) => {
    participants.delete(req.params.user);
    return { removed: req.params.user, at: 42 };
  });
  app.post<{ Body: { pt: string } }>('/auth/devices/claim-codes', async (req, reply) =>
    reply.code(201).send({ code: 'ABCDEFGH23456789', pt: req.body.pt, expiresAt: 99 }),
  );
  app.get<{ Querystring: { pt: string } }>('/auth/devices', async (req) => ({
    devices: devices.filter((d) => d.pt === req.query.pt),
  }));
  app.post<{ Params: { dev: string } }>('/auth/devices/:dev/revoke', async (req) => {
    const d = devices.find((x) => x.dev === req.params.dev)!;
    d.status = 'revoked';
    return { dev: d.dev, revokedAt: 77 };
  });
  return app;
}

describe('web app API clients (episodes, devices) against a contract fake', () => {
  let app: FastifyInstance;
  let base: string;
  let ended = 0;
  let token = TOKEN;
  const api = () =>
    createApi({ base, token: () => token, onUnauthenticated: () => void (ended += 1) });

  beforeAll(async () => {
    app = fake();
    base = await app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(() => app.close());

  it('lists, invites and removes participants', async () => {
    const ep = episodesApi(api());
    expect((await ep.get('pt-1')).participants.map((p) => p.user)).toEqual(['p1']);
    const added = await ep.invite('pt-1', { user: 'n1', role: 'nurse', history: false });
    expect(added).toMatchObject({ user: 'n1', role: 'nurse', al: 'N', invitedBy: 'doctor' });
    expect((await ep.get('pt-1')).participants.map((p) => p.user)).toEqual(['p1', 'n1']);
    await expect(ep.invite('pt-1', { user: 'n1', role: 'nurse' })).rejects.toMatchObject({
      status: 409,
      code: 'already_participant',
    });
    expect(await ep.remove('pt-1', 'n1')).toEqual({ removed: 'n1', at: 42 });
    expect((await ep.get('pt-1')).participants.map((p) => p.user)).toEqual(['p1']);
  });

  it('shows a 403 with its stable code and message, not as a missing service', async () => {
    const e = await episodesApi(api())
      .get('pt-2')
      .catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ApiError);
    expect(e).toMatchObject({ status: 403, code: 'not_in_episode', fromContract: true });
    expect(describeError(e)).toBe('Not allowed: you are not in the episode of pt-2');
    expect(notAvailable(e, 'Care episodes')).toBeUndefined();
  });

  it('creates a claim code, lists and revokes a gateway', async () => {
    const dv = devicesApi(api());
    expect(await dv.claimCode('pt-1')).toEqual({
      code: 'ABCDEFGH23456789',
      pt: 'pt-1',
      expiresAt: 99,
    });
    expect((await dv.list('pt-1')).map((d) => d.status)).toEqual(['active']);
    expect(await dv.revoke('gw-1')).toEqual({ dev: 'gw-1', revokedAt: 77 });
    expect((await dv.list('pt-1')).map((d) => d.status)).toEqual(['revoked']);
  });

  it('ends the session on a 401, and says a service is missing when the answer is not the contract', async () => {
    token = 'wrong-token-0123456789';
    const before = ended;
    await expect(devicesApi(api()).list('pt-1')).rejects.toMatchObject({ status: 401 });
    expect(ended).toBe(before + 1);
    token = TOKEN;
    const missing = await api()('GET', '/app/nothing-here').catch((x: unknown) => x);
    expect(missing).toMatchObject({ status: 404, fromContract: false });
    expect(notAvailable(missing, 'Care episodes')).toBe(
      'Care episodes are not available on this platform yet.',
    );
  });
});
