import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actionRefusal } from '../alerts/text.js';
import { commandRefusal } from '../commands/form.js';
import { ApiError, createApi } from '../session/api.js';
import { alertsApi } from './alerts.js';
import { commandsApi } from './commands.js';
import { contactApi } from './contact.js';

/**
 * The web app's clients of the alert, command and contact routes against a
 * fake that follows docs/alerts.md, docs/commands.md and contact-routes.ts
 * (paths, methods, bodies, error shapes); e2e/alerts.ts drives the real ones.
 */
function fake(): { app: FastifyInstance; seen: string[] } {
  const app = Fastify();
  const seen: string[] = [];
  let email: string | null = null;
  const err = (code: string, message: string) => ({ error: code, message });
  app.addHook('onRequest', async (req) => {
    seen.push(`${req.method} ${req.url}`);
  });
  app.get('/app/alerts', async () => ({ alerts: [{ view: 'minimal', id: 'al-1' }] }));
  app.get('/app/alerts/:id', async () => ({
    alert: { id: 'al-1' },
    deliveries: [{ recipient: 'doctor', status: 'seen' }],
  }));
  app.post('/app/alerts/:id/acknowledge', async (_req, reply) =>
    reply.code(409).send(err('already_acknowledged', 'al-1 was acknowledged by nurse')),
  );
  app.post('/app/alerts/:id/resolve', async () => ({ alert: { id: 'al-1', state: 'resolved' } }));
  app.post<{ Body: unknown }>('/app/patients/:pt/commands', async (req, reply) =>
    reply.code(202).send({ command: { id: 'cmd-1', state: 'sent', echo: req.body } }),
  );
  app.get('/app/patients/:pt/commands', async () => ({ commands: [{ id: 'cmd-1' }] }));
  app.post('/app/patients/:pt/commands/:id/confirm', async (_req, reply) =>
    reply.code(403).send(err('four_eyes', 'a dose change must be confirmed by another clinician')),
  );
  app.get('/app/me/contact', async () => ({ email }));
  app.put<{ Body: { email: string | null } }>('/app/me/contact', async (req) => {
    email = req.body.email;
    return { email };
  });
  return { app, seen };
}

describe('the alert, command and contact clients', () => {
  const { app, seen } = fake();
  let base = '';
  const api = () => createApi({ base, token: () => 'tok' });

  beforeAll(async () => {
    base = await app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(() => app.close());

  it('calls the alert routes and passes a refusal on with its code', async () => {
    const a = alertsApi(api());
    await expect(a.list()).resolves.toEqual([{ view: 'minimal', id: 'al-1' }]);
    await expect(a.get('al-1')).resolves.toMatchObject({ deliveries: [{ status: 'seen' }] });
    await expect(a.act('al-1', 'resolve')).resolves.toEqual({ id: 'al-1', state: 'resolved' });
    const refused = await a.act('al-1', 'acknowledge').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ApiError);
    expect(actionRefusal(refused, 'acknowledge')).toBe(
      'Someone has already acknowledged this alert.',
    );
  });

  it('issues, lists and confirms commands under the patient, escaping ids', async () => {
    const c = commandsApi(api());
    const sent = await c.issue('pt-0001', {
      kind: 'changeInterval',
      device: 'oximeter',
      params: { minutes: 5 },
    });
    expect(sent).toMatchObject({
      state: 'sent',
      echo: { kind: 'changeInterval', device: 'oximeter', params: { minutes: 5 } },
    });
    await expect(c.list('pt-0001')).resolves.toEqual([{ id: 'cmd-1' }]);
    const refused = await c.confirm('pt-0001', 'cmd-1').catch((e: unknown) => e);
    expect(commandRefusal(refused)).toBe(
      'A dose change must be confirmed by another clinician: you proposed this one.',
    );
    expect(seen).toContain('POST /app/patients/pt-0001/commands/cmd-1/confirm');
    await c.list('a/b').catch(() => undefined);
    expect(seen).toContain('GET /app/patients/a%2Fb/commands');
  });

  it('sets and removes my alert e-mail address with PUT', async () => {
    const c = contactApi(api());
    await expect(c.get()).resolves.toBeNull();
    await expect(c.set('nurse@ward.example.org')).resolves.toBe('nurse@ward.example.org');
    await expect(c.get()).resolves.toBe('nurse@ward.example.org');
    await expect(c.set(null)).resolves.toBeNull();
    expect(seen.filter((s) => s.startsWith('PUT '))).toEqual([
      'PUT /app/me/contact',
      'PUT /app/me/contact',
    ]);
  });
});
