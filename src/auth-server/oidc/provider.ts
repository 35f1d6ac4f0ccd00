import Provider, { errors, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import type { Kysely } from 'kysely';
import type { AccountStore } from '../accounts/accounts.js';
import type { OidcTables } from '../store/oidc-tables.js';
import { kyselyAdapter, revokeGrant } from './adapter.js';
import { API_SCOPE, platformClients } from './clients.js';
import type { AuthSecrets } from './keys.js';
import {
  deviceSources,
  logoutSource,
  postLogoutSuccessSource,
  renderError,
} from './provider-pages.js';

export interface ProviderOptions {
  platformUrl: string;
  /** The platform API's resource indicator (RFC 8707), the `aud` of every access token. */
  audience: string;
  db: Kysely<OidcTables>;
  accounts: AccountStore;
  secrets: AuthSecrets;
  accessTokenTtlSec: number;
  /** Inactivity after which a session ends (HIPAA §164.312(a)(2)(iii) automatic logoff). */
  idleTimeoutSec: number;
  /** Longest a sign-in lasts whatever the activity. */
  maxSessionSec: number;
  /** Test hook: the adapter's clock (ms). */
  now?: () => number;
}

/**
 * The OpenID Provider (panva's certified oidc-provider), issuer
 * `<platform url>/oidc`. Access tokens are JWTs (RFC 9068, typ at+jwt) for
 * the platform API only; refresh tokens rotate on every use (OAuth 2.0
 * Security BCP §4.14.2) and a reused one revokes its grant.
 */
export function createProvider(o: ProviderOptions): Provider {
  const issuer = `${o.platformUrl}/oidc`;
  const resourceServer = {
    scope: API_SCOPE,
    audience: o.audience,
    accessTokenTTL: o.accessTokenTtlSec,
    accessTokenFormat: 'jwt',
    jwt: { sign: { alg: 'ES256' } },
  } as const;

  const configuration: Configuration = {
    adapter: kyselyAdapter(o.db, o.now),
    clients: platformClients(o.platformUrl, o.secrets.appServerSecret),
    jwks: o.secrets.jwks as Configuration['jwks'],
    cookies: { keys: o.secrets.cookieKeys },
    clientDefaults: {
      id_token_signed_response_alg: 'ES256',
      grant_types: ['authorization_code'],
      response_types: ['code'],
    },
    // OAuth 2.1 §10.1: no implicit or hybrid responses; the code flow only.
    responseTypes: ['code', 'none'],
    scopes: ['openid', 'offline_access', API_SCOPE],
    claims: { openid: ['sub'], role: ['role'] },
    async findAccount(_ctx, sub) {
      const account = await o.accounts.find(sub);
      if (!account) return undefined;
      return { accountId: sub, claims: () => ({ sub, role: account.role }) };
    },
    // OAuth 2.1 §4.1.1: PKCE for every authorization code; oidc-provider 9 accepts S256 only.
    pkce: { required: () => true },
    // The web app calls the token endpoint with fetch from its own origin: CORS is allowed for
    // the origins of a client's own redirect URIs, and no other.
    clientBasedCORS: (_ctx, origin, client) =>
      (client.redirectUris ?? []).some((u) => new URL(u).origin === origin),
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      deviceFlow: { enabled: true, ...deviceSources },
      revocation: { enabled: true },
      introspection: { enabled: false },
      rpInitiatedLogout: { enabled: true, logoutSource, postLogoutSuccessSource },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => o.audience,
        useGrantedResource: () => true,
        getResourceServerInfo(_ctx, resource) {
          if (resource !== o.audience) throw new errors.InvalidTarget();
          return { ...resourceServer, jwt: { sign: { alg: 'ES256' } } };
        },
      },
    },
    ttl: {
      AccessToken: o.accessTokenTtlSec,
      ClientCredentials: o.accessTokenTtlSec,
      AuthorizationCode: 60,
      DeviceCode: 600,
      IdToken: o.accessTokenTtlSec,
      Interaction: 600,
      Grant: o.maxSessionSec,
      Session: o.idleTimeoutSec,
      // Idle timeout per refresh token (each rotation starts a new one), capped by
      // the sign-in's absolute lifetime counted from the first token (iiat).
      RefreshToken: (_ctx, token) =>
        Math.max(1, Math.min(o.idleTimeoutSec, o.maxSessionSec - token.totalLifetime())),
    },
    rotateRefreshToken: true,
    expiresWithSession: () => Promise.resolve(false),
    issueRefreshToken: (_ctx, client) => Promise.resolve(client.grantTypeAllowed('refresh_token')),
    interactions: { url: (_ctx, interaction) => `/auth/interaction/${interaction.uid}` },
    // First-party clients only: consent is implicit (the grant is made here, never asked for).
    async loadExistingGrant(ctx) {
      const { client, session, params } = ctx.oidc;
      if (!client || !session?.accountId) return undefined;
      const existing = ctx.oidc.result?.consent?.grantId ?? session.grantIdFor(client.clientId);
      const grant =
        (existing ? await ctx.oidc.provider.Grant.find(existing) : undefined) ??
        new ctx.oidc.provider.Grant({ clientId: client.clientId, accountId: session.accountId });
      grant.addOIDCScope(String(params?.scope ?? 'openid'));
      grant.addResourceScope(o.audience, API_SCOPE);
      await grant.save();
      return grant;
    },
    extraTokenClaims: (ctx, token) =>
      tokenClaims(ctx, o.accounts, 'accountId' in token ? token.accountId : undefined),
    renderError,
    // Clocks of the resource servers in one deployment are close; tokens last minutes.
    clockTolerance: 5,
  };
  const provider = new Provider(issuer, configuration);
  provider.proxy = false;
  provider.use(async (ctx, next) => {
    await next();
    // Signing out (end-session, "yes") ends every sign-in of this browser: oidc-provider
    // keeps grants whose tokens outlive the session (ours do: idle-timed refresh tokens),
    // so their grants, refresh tokens included, are revoked here.
    if (
      ctx.oidc?.route === 'end_session_confirm' &&
      ctx.status === 303 &&
      ctx.oidc.params?.logout
    ) {
      const auths = ctx.oidc.session?.authorizations ?? {};
      for (const { grantId } of Object.values(auths) as Array<{ grantId?: string }>)
        if (grantId) await revokeGrant(o.db, grantId);
    }
  });
  return provider;
}

/** `role` and `amr` in access tokens (RFC 9068 §2.2.3.1; amr values from RFC 8176). */
async function tokenClaims(
  ctx: KoaContextWithOIDC,
  accounts: AccountStore,
  accountId: string | undefined,
) {
  if (!accountId) return undefined;
  const account = await accounts.find(accountId);
  const e = ctx.oidc.entities;
  const amr = e.AuthorizationCode?.amr ?? e.RefreshToken?.amr ?? e.DeviceCode?.amr;
  return { role: account?.role, ...(amr ? { amr } : {}) };
}
