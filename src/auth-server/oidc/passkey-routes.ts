import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
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

    /**
     * The signed-in person behind a bearer token, or undefined once the reply
     * says why not: 401 without a valid token, 403 for a client acting for
     * itself, and 403 for a clinical role whose sign-in had no second factor
     * when `secondFactor` is asked (changing one's ways in needs one).
     */
    const person = async (
      req: FastifyRequest,
      reply: FastifyReply,
      secondFactor: boolean,
    ): Promise<string | undefined> => {
      const caller = await bearer(req, reply);
      if (!caller) return undefined;
      if (!caller.role) {
        await reply.code(403).send({ error: 'forbidden', message: 'only people have passkeys' });
        return undefined;
      }
      if (secondFactor && CLINICAL_ROLES.has(caller.role) && !passedSecondFactor(caller)) {
        await reply.code(403).send({
          error: 'second_factor_required',
          message: 'sign in with your second factor first',
        });
        return undefined;
      }
      return caller.sub;
    };

    scope.post('/auth/passkeys/registration-options', async (req, reply) => {
      const who = await person(req, reply, true);
      return who === undefined ? reply : d.passkeys.registrationOptions(who);
    });

    scope.get('/auth/passkeys', async (req, reply) => {
      const who = await person(req, reply, false);
      return who === undefined ? reply : { passkeys: await d.passkeys.list(who) };
    });

    scope.delete<{ Params: { id: string } }>('/auth/passkeys/:id', async (req, reply) => {
      const who = await person(req, reply, true);
      if (who === undefined) return reply;
      if (!(await d.passkeys.remove(who, req.params.id)))
        return reply
          .code(404)
          .send({ error: 'not_found', message: 'you have no passkey with that id' });
      return reply.code(204).send();
    });

    scope.post('/auth/passkeys', async (req, reply) => {
      const caller = await person(req, reply, false);
      if (caller === undefined) return reply;
      if (!isObject(req.body) || typeof req.body.id !== 'string')
        return reply
          .code(400)
          .send({ error: 'bad_request', message: 'a WebAuthn registration response is expected' });
      const id = await d.passkeys.register(caller, req.body as unknown as RegistrationResponseJSON);
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
