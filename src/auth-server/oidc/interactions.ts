import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type Provider from 'oidc-provider';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { AccountStore } from '../accounts/accounts.js';
import type { RateLimiter } from '../accounts/rate-limit.js';
import { CLINICAL_ROLES } from '../accounts/roles.js';
import { API_SCOPE } from './clients.js';
import {
  CSP,
  PASSKEY_SCRIPT,
  PASSKEY_SCRIPT_PATH,
  STYLESHEET,
  STYLESHEET_PATH,
  loginPage,
  otpPage,
  page,
  errorText,
} from './pages.js';

const LoginForm = Type.Object(
  {
    login: Type.String({ minLength: 1, maxLength: 64 }),
    password: Type.String({ minLength: 1, maxLength: 256 }),
  },
  { additionalProperties: false },
);
const OtpForm = Type.Object(
  { otp: Type.String({ minLength: 1, maxLength: 16 }) },
  { additionalProperties: false },
);
type Pending = { pending?: { accountId: string } };

/** One message for every failed sign-in: it never says whether the account exists. */
const FAILED = 'Sign-in failed. Check your user name and password, or wait a moment and try again.';
const FAILED_OTP = 'That code was not accepted. Wait for a new code and try again.';

export interface InteractionDeps {
  provider: () => Provider | undefined;
  accounts: AccountStore;
  limiter: RateLimiter;
  audience: () => string;
}

/**
 * The sign-in interaction (OIDC Core §3.1.2.3): password first, then a TOTP
 * code for clinical roles, whose sign-in then carries amr ["pwd", "otp"]
 * (RFC 8176). The interaction is bound to oidc-provider's signed, SameSite
 * interaction cookie, so a cross-site form post finds no interaction.
 */
export async function registerInteractions(app: FastifyInstance, d: InteractionDeps) {
  app.get(STYLESHEET_PATH, (_req, reply) =>
    reply.type('text/css').header('cache-control', 'public, max-age=3600').send(STYLESHEET),
  );
  app.get(PASSKEY_SCRIPT_PATH, (_req, reply) =>
    reply
      .type('text/javascript')
      .header('cache-control', 'public, max-age=3600')
      .send(PASSKEY_SCRIPT),
  );
  await app.register((scope, _opts, done) => {
    scope.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string', bodyLimit: 8192 },
      (_req, body, next) => next(null, Object.fromEntries(new URLSearchParams(body as string))),
    );
    scope.addHook('onSend', (_req, reply, payload, next) => {
      reply.header('content-security-policy', CSP).header('cache-control', 'no-store');
      next(null, payload);
    });

    scope.get('/auth/interaction/:uid', (req, reply) =>
      withInteraction(d, req, reply, async (provider, details) => {
        const action = `/auth/interaction/${details.uid}`;
        if (details.prompt.name === 'login') {
          if ((details.result as Pending | undefined)?.pending)
            return html(reply, 200, otpPage(`${action}/otp`));
          return html(reply, 200, loginPage(`${action}/login`));
        }
        // First-party clients: consent is implicit (provider.ts loadExistingGrant).
        const grant = new provider.Grant({
          accountId: details.session?.accountId ?? '',
          clientId: String(details.params.client_id),
        });
        grant.addOIDCScope(String(details.params.scope ?? 'openid'));
        grant.addResourceScope(d.audience(), API_SCOPE);
        const grantId = await grant.save();
        return finish(provider, req, reply, { consent: { grantId } });
      }),
    );

    scope.post('/auth/interaction/:uid/login', (req, reply) =>
      withInteraction(d, req, reply, async (provider, details) => {
        const action = `/auth/interaction/${details.uid}/login`;
        if (!limited(d, req, reply, 'login')) return reply;
        if (!Value.Check(LoginForm, req.body))
          return html(reply, 400, loginPage(action, 'Enter a user name and a password.'));
        const form: Static<typeof LoginForm> = req.body;
        const res = await d.accounts.signIn(form.login, form.password);
        if (!res.ok) return html(reply, 401, loginPage(action, FAILED, form.login));
        const { account } = res;
        if (account.totp) {
          await provider.interactionResult(
            req.raw,
            reply.raw,
            { pending: { accountId: account.id } },
            { mergeWithLastSubmission: false },
          );
          return html(reply, 200, otpPage(`/auth/interaction/${details.uid}/otp`));
        }
        // A clinical account without a second factor is a configuration error: refuse.
        if (CLINICAL_ROLES.has(account.role))
          return html(reply, 401, loginPage(action, FAILED, form.login));
        return finish(provider, req, reply, { login: { accountId: account.id, amr: ['pwd'] } });
      }),
    );

    scope.post('/auth/interaction/:uid/otp', (req, reply) =>
      withInteraction(d, req, reply, async (provider, details) => {
        const action = `/auth/interaction/${details.uid}/otp`;
        if (!limited(d, req, reply, 'otp')) return reply;
        const pending = (details.result as Pending | undefined)?.pending;
        if (!pending) return reply.redirect(`/auth/interaction/${details.uid}`, 303);
        if (!Value.Check(OtpForm, req.body))
          return html(reply, 400, otpPage(action, 'Enter the 6-digit code.'));
        const res = await d.accounts.checkSecondFactor(pending.accountId, req.body.otp);
        if (!res.ok) return html(reply, 401, otpPage(action, FAILED_OTP));
        return finish(provider, req, reply, {
          login: { accountId: pending.accountId, amr: ['pwd', 'otp'], acr: 'urn:tutela:mfa' },
        });
      }),
    );
    done();
  });
}

type Details = Awaited<ReturnType<Provider['interactionDetails']>>;

export async function withInteraction(
  d: InteractionDeps,
  req: FastifyRequest,
  reply: FastifyReply,
  fn: (provider: Provider, details: Details) => Promise<FastifyReply>,
): Promise<FastifyReply> {
  const provider = d.provider();
  if (!provider) return html(reply, 503, page('Sign in', errorText('Starting; try again.')));
  let details: Details;
  try {
    details = await provider.interactionDetails(req.raw, reply.raw);
  } catch {
    // No interaction cookie, or it expired (ttl.Interaction): start the sign-in again.
    return html(
      reply,
      400,
      page('Sign in', errorText('This sign-in has expired. Go back to the app and start again.')),
    );
  }
  const uid = (req.params as { uid?: string }).uid;
  if (details.uid !== uid)
    return html(reply, 400, page('Sign in', errorText('This sign-in does not match.')));
  return fn(provider, details);
}

export function limited(
  d: InteractionDeps,
  req: FastifyRequest,
  reply: FastifyReply,
  what: string,
): boolean {
  const retry = d.limiter.hit(`${what} ${req.ip}`);
  if (retry === 0) return true;
  void html(
    reply.header('retry-after', String(retry)),
    429,
    page('Sign in', errorText('Too many attempts from here. Wait a minute and try again.')),
  );
  return false;
}

async function finish(
  provider: Provider,
  req: FastifyRequest,
  reply: FastifyReply,
  result: Record<string, unknown>,
): Promise<FastifyReply> {
  const to = await provider.interactionResult(req.raw, reply.raw, result, {
    mergeWithLastSubmission: false,
  });
  return reply.redirect(to, 303);
}

export function html(reply: FastifyReply, status: number, body: string): FastifyReply {
  return reply.code(status).type('text/html; charset=utf-8').send(body);
}
