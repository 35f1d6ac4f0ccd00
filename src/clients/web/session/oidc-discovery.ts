/**
 * Whether, and where, the platform runs its OpenID provider. Kept apart from
 * ./oidc-auth.ts so that the OpenID client library is loaded (a separate
 * chunk) only on a platform that has a provider.
 */
export interface OidcSettings {
  authority: string;
  clientId: string;
  redirectUri: string;
  postLogoutRedirectUri: string;
}

export const CALLBACK_PATH = '/web/callback';

export function oidcSettingsFor(origin: string): OidcSettings {
  return {
    authority: `${origin}/oidc`,
    clientId: 'tutela-web',
    redirectUri: `${origin}${CALLBACK_PATH}`,
    postLogoutRedirectUri: `${origin}/web/`,
  };
}

/** Whether the platform runs an OpenID provider (its discovery document answers). */
export async function oidcAvailable(origin: string): Promise<boolean> {
  try {
    const res = await fetch(`${origin}/oidc/.well-known/openid-configuration`, {
      cache: 'no-store',
      credentials: 'omit',
    });
    return res.ok && (res.headers.get('content-type') ?? '').includes('json');
  } catch {
    return false;
  }
}
