import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { Contacts } from '../directory/contacts.js';
import { caller } from './auth.js';

export interface ContactApiOptions {
  contacts: Contacts;
}

/** An address as RFC 5321 bounds it (254 characters); the SMTP server has the last word. */
const Email = Type.String({ maxLength: 254, pattern: '^[^\\s@]{1,64}@[^\\s@.]+(\\.[^\\s@.]+)+$' });
const ContactBody = Type.Object(
  { email: Type.Union([Email, Type.Null()]) },
  { additionalProperties: false },
);

/**
 * The signed-in person's own contact address, under /app:
 *
 *     GET /app/me/contact   { email: string | null }
 *     PUT /app/me/contact   { email: "…" } to be e-mailed alerts, { email: null } to stop
 *
 * Only one's own: there is no route to read or set someone else's.
 */
export async function contactRoutes(app: FastifyInstance, opts: ContactApiOptions): Promise<void> {
  app.get('/me/contact', async (req) => ({
    email: (await opts.contacts.email(caller(req).id)) ?? null,
  }));

  app.put<{ Body: Static<typeof ContactBody> }>(
    '/me/contact',
    { schema: { body: ContactBody } },
    async (req) => {
      await opts.contacts.setEmail(caller(req).id, req.body.email);
      return { email: req.body.email };
    },
  );
}
