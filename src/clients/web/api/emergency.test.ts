import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi } from '../session/api.js';
import { MFA_MESSAGE, openRefusal, unreadCount } from '../emergency/text.js';
import { emergencyApi, type Grant, type Notice } from './emergency.js';

/**
 * The web app's client of break the glass and notices, against a fake that
 * follows docs/break-glass.md (the e2e test drives the real platform).
 */
const TOKENS: Record<string, { id: string; mfa: boolean; role: string }> = {
  'dr-mfa-token-0123456789': { id: 'dr-out', mfa: true, role: 'doctor' },
  'dr-plain-token-0123456789': { id: 'dr-plain', mfa: false, role: 'doctor' },
  'family-token-0123456789': { id: 'fam', mfa: true, role: 'family' },
  'patient-token-0123456789': { id: 'patient-1', mfa: false, role: 'patient' },
};

function fake(): FastifyInstance {
  const app = Fastify();
  const grants = new Map<string, Grant & { reason: string }>();
  const notices: Array<{
    id: string;
    pt: string;
    grant: string;
    createdAt: number;
    readAt: number | null;
  }> = [];
  let n = 0;
  const err = (code: string, message: string) => ({ error: code, message });
  const who = (h?: string) => TOKENS[(h ?? '').replace(/^Bearer /, '')];
  app.addHook('onRequest', async (req, reply) => {
    if (!who(req.headers.authorization))
      return reply.code(401).send(err('unauthenticated', 'a valid bearer token is required'));
  });
  app.post<{ Body: { pt: string; reason: string; minutes?: number } }>(
    '/app/emergency',
    async (req, reply) => {
      const u = who(req.headers.authorization)!;
      const { pt, reason, minutes = 60 } = req.body;
      if (!reason.trim()) return reply.code(400).send(err('reason_required', 'say why'));
      if (pt === 'pt-mine') return reply.code(409).send(err('already_participant', 'yours'));
      if (!['doctor', 'nurse', 'responder'].includes(u.role))
        return reply
          .code(403)
          .send(err('not_allowed', `as ${u.role} you may not open emergency access`));
      if (!u.mfa) return reply.code(403).send(err('mfa_required', 'second factor'));
      if (pt !== 'pt-1') return reply.code(404).send(err('unknown_patient', `no patient ${pt}`));
      const id = `bg-${++n}`;
      const g = {
        id,
        pt,
        user: u.id,
        openedAt: 1000 * n,
        expiresAt: 1000 * n + minutes * 60_000,
        closedAt: null,
        closedBy: null,
        reason,
      };
      grants.set(id, g);
      notices.push({ id: `nt-${n}`, pt, grant: id, createdAt: g.openedAt, readAt: null });
      const { reason: _r, ...shown } = g;
      return reply.code(201).send({ grant: shown });
    },
  );
  app.delete<{ Params: { id: string } }>('/app/emergency/:id', async (req, reply) => {
    const u = who(req.headers.authorization)!;
    const g = grants.get(req.params.id);
    if (!g || (g.user !== u.id && u.id !== 'patient-1'))
      return reply.code(404).send(err('unknown_grant', `no grant ${req.params.id}`));
    g.closedAt ??= 99_000;
    g.closedBy ??= u.id;
    const { reason: _r, ...shown } = g;
    return { grant: shown };
  });
  app.get('/app/notices', async (req) => {
    if (who(req.headers.authorization)!.id !== 'patient-1') return { notices: [] };
    return {
      notices: [...notices].reverse().map((x) => {
        const g = grants.get(x.grant)!;
        return {
          id: x.id,
          kind: 'emergency_access',
          pt: x.pt,
          createdAt: x.createdAt,
          readAt: x.readAt,
          grant: {
            id: g.id,
            by: g.user,
            role: 'doctor',
            reason: g.reason,
            openedAt: g.openedAt,
            expiresAt: g.expiresAt,
            closedAt: g.closedAt,
            closedBy: g.closedBy,
          },
        } satisfies Notice;
      }),
    };
  });
  app.post<{ Params: { id: string } }>('/app/notices/:id/read', async (req, reply) => {
    const x = notices.find((m) => m.id === req.params.id);
    if (!x || who(req.headers.authorization)!.id !== 'patient-1')
      return reply.code(404).send(err('unknown_notice', `no notice ${req.params.id}`));
    x.readAt ??= 5;
    return reply.code(204).send();
  });
  return app;
}

describe('web app client of break the glass and notices, against a fake', () => {
  let app: FastifyInstance;
  let base: string;
  const as = (token: string) => emergencyApi(createApi({ base, token: () => token }));

  beforeAll(async () => {
    app = fake();
    base = await app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(() => app.close());

  it('opens a grant with the duration asked, and the patient is told', async () => {
    const g = await as('dr-mfa-token-0123456789').open('pt-1', 'collapsed in A&E', 30);
    expect(g).toMatchObject({ pt: 'pt-1', user: 'dr-out', closedAt: null });
    expect(g.expiresAt - g.openedAt).toBe(30 * 60_000);
    const patient = as('patient-token-0123456789');
    const [notice] = await patient.notices();
    expect(notice).toMatchObject({
      pt: 'pt-1',
      readAt: null,
      grant: { id: g.id, by: 'dr-out', reason: 'collapsed in A&E' },
    });
    expect(unreadCount(await patient.notices())).toBe(1);
    await patient.markRead(notice!.id);
    expect(unreadCount(await patient.notices())).toBe(0);
    const closed = await patient.close(g.id);
    expect(closed).toMatchObject({ id: g.id, closedBy: 'patient-1' });
    expect((await patient.notices())[0]!.grant.closedBy).toBe('patient-1');
  });

  it('says each refusal in words', async () => {
    const refusal = (token: string, pt: string, reason = 'why') =>
      as(token)
        .open(pt, reason)
        .then(
          () => 'opened',
          (e: unknown) => openRefusal(e, pt),
        );
    await expect(refusal('dr-plain-token-0123456789', 'pt-1')).resolves.toBe(MFA_MESSAGE);
    expect(MFA_MESSAGE).toBe(
      'Emergency access needs a sign-in with a second factor (authenticator app or passkey).',
    );
    await expect(refusal('family-token-0123456789', 'pt-1')).resolves.toMatch(
      /^Your role may not open emergency access \(as family/,
    );
    await expect(refusal('dr-mfa-token-0123456789', 'pt-mine')).resolves.toMatch(
      /already take part in this patient’s care/,
    );
    await expect(refusal('dr-mfa-token-0123456789', 'pt-9')).resolves.toMatch(
      /no patient pt-9 on this platform/,
    );
    await expect(refusal('dr-mfa-token-0123456789', 'pt-1', '  ')).resolves.toMatch(
      /reason is mandatory/,
    );
    await expect(refusal('nobody-token-0123456789', 'pt-1')).resolves.toBe(
      'Your session has ended. Please sign in again.',
    );
  });

  it('refuses to end someone else’s grant, and marks only known notices', async () => {
    const g = await as('dr-mfa-token-0123456789').open('pt-1', 'trauma call');
    await expect(as('dr-plain-token-0123456789').close(g.id)).rejects.toMatchObject({
      status: 404,
      code: 'unknown_grant',
    });
    await expect(as('patient-token-0123456789').markRead('nt-x')).rejects.toMatchObject({
      status: 404,
      code: 'unknown_notice',
    });
    expect(await as('dr-mfa-token-0123456789').close(g.id)).toMatchObject({ closedBy: 'dr-out' });
  });
});
