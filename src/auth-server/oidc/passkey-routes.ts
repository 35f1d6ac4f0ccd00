import type { FastifyInstance } from 'fastify';
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import { bearerFrom, passedSecondFactor, type AccessTokenVerifier } from '../../core/auth/index.js';
import type { AccountStore } from '../accounts/accounts.js';
import type { PasskeyStore } from '../accounts/passkeys.js';
import { CLINICAL_ROLES } from '../accounts/roles.js';
import { limited, withInteraction, type InteractionDeps } from './interactions.js';
import { CSP } from './pages.js';

export interface PasskeyDeps extends InteractionDeps {
  passkeys: PasskeyStore;
  accounts: AccountStore;
  verifier: AccessTokenVerifier;
}

const isObject = (x: unknown): x is Record<string, unknown> =>
  typeof x === 'object' && x !== null && !Array.isArray(x);

/**
 * Passkey routes. Registration is for a signed-in person (bearer access
 * token; clinical roles must have signed in with their second factor).
 * Sign-in is a step of the interaction: options, then the assertion, then
 * the provider resumes as after a password + TOTP sign-in.
 */
export async function registerPasskeyRoutes(app: FastifyInstance, d: PasskeyDeps): Promise<void> {
  const bearer = bearerFrom(d.verifier);
  await app.register((scope, _opts, done) => {
    scope.addHook('onSend', (_req, reply, payload, next) => {
      reply.header('content-security-policy', CSP).header('cache-control', 'no-store');
      next(null, payload);
    });

    scope.post('/auth/passkeys/registration-options', async (req, reply) => {
      const caller = await bearer(req, reply);
      if (!caller) return reply;
      if (!caller.role)
        return reply
          .code(403)
          .send({ error: 'forbidden', message: 'only people register passkeys' });
      if (CLINICAL_ROLES.has(caller.role) && !passedSecondFactor(caller))
        return reply.code(403).send({
          error: 'second_factor_required',
          message: 'sign in with your second factor first',
        });
      return d.passkeys.registrationOptions(caller.sub);
    });

    scope.post('/auth/passkeys', async (req, reply) => {
      const caller = await bearer(req, reply);
      if (!caller) return reply;
      if (!caller.role)
        return reply
          .code(403)
          .send({ error: 'forbidden', message: 'only people register passkeys' });
      if (!isObject(req.body) || typeof req.body.id !== 'string')
        return reply
          .code(400)
          .send({ error: 'bad_request', message: 'a WebAuthn registration response is expected' });
      const id = await d.passkeys.register(
        caller.sub,
        req.body as unknown as RegistrationResponseJSON,
      );
      return reply.code(201).send({ id });
    });

    scope.post('/auth/interaction/:uid/passkey-options', (req, reply) =>
      withInteraction(d, req, reply, async (_provider, details) => {
        if (!limited(d, req, reply, 'passkey')) return reply;
        return reply.send(await d.passkeys.authenticationOptions(details.uid));
      }),
    );

    scope.post('/auth/interaction/:uid/passkey', (req, reply) =>
      withInteraction(d, req, reply, async (provider, details) => {
        if (!limited(d, req, reply, 'passkey')) return reply;
        const failed = () =>
          reply
            .code(401)
            .send({ error: 'passkey_refused', message: 'That passkey was not accepted.' });
        if (!isObject(req.body) || typeof req.body.id !== 'string') return failed();
        const accountId = await d.passkeys.authenticate(
          details.uid,
          req.body as unknown as AuthenticationResponseJSON,
        );
        if (!accountId || !(await d.accounts.find(accountId))) return failed();
        const redirectTo = await provider.interactionResult(
          req.raw,
          reply.raw,
          { login: { accountId, amr: ['hwk', 'user'], acr: 'urn:tutela:mfa' } },
          { mergeWithLastSubmission: false },
        );
        return reply.send({ redirectTo });
      }),
    );
    done();
  });
}
