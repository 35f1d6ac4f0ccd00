import { UserManager, WebStorageStateStore } from 'oidc-client-ts';
import { createApi } from './api.js';
import { readUser, type Auth, type SignedInUser } from './auth.js';
import type { OidcSettings } from './oidc-discovery.js';

/**
 * Sign-in with the platform's OpenID provider (OpenID Connect Core §3.1,
 * authorization code flow; PKCE S256, RFC 7636) through oidc-client-ts:
 * the person signs in on the provider's own pages (password, second
 * factor), comes back to /web/callback with a code, and the app exchanges
 * it for a short-lived access token, renewed with the rotating refresh
 * token (scope offline_access). Tokens and the transaction state live in
 * sessionStorage only. Who the person is, with their role and AL, comes
 * from GET /app/me, as with a pasted token.
 */
export interface OidcAuth extends Auth {
  /** On /web/callback: finishes the sign-in (code for tokens) and leaves the callback URL. */
  completeSignIn(): Promise<void>;
}

const USER_KEY = 'tutela.oidc.user';

export async function createOidcAuth(settings: OidcSettings, base = ''): Promise<OidcAuth> {
  const store = new WebStorageStateStore({ store: sessionStorage });
  const manager = new UserManager({
    authority: settings.authority,
    client_id: settings.clientId,
    redirect_uri: settings.redirectUri,
    post_logout_redirect_uri: settings.postLogoutRedirectUri,
    response_type: 'code',
    scope: 'openid offline_access api',
    userStore: store,
    stateStore: store,
    // Renewal with the refresh token (no hidden iframe: the CSP allows no frames).
    automaticSilentRenew: true,
    monitorSession: false,
    loadUserInfo: false,
  });
  let token = (await manager.getUser())?.access_token;
  let user = readUser(sessionStorage.getItem(USER_KEY));
  if (!token) user = undefined;
  let endedBecause: string | undefined;
  const listeners = new Set<() => void>();
  const changed = () => listeners.forEach((l) => l());

  const end = (reason?: string) => {
    token = undefined;
    user = undefined;
    endedBecause = reason;
    sessionStorage.removeItem(USER_KEY);
    changed();
  };
  manager.events.addUserLoaded((u) => void (token = u.access_token));
  manager.events.addSilentRenewError(() => {
    void manager.removeUser();
    end('Your session has ended. Please sign in again.');
  });

  return {
    get user() {
      return user;
    },
    get endedBecause() {
      return endedBecause;
    },
    async signIn() {
      await manager.signinRedirect();
      // The browser is leaving for the provider's sign-in page.
      return new Promise<SignedInUser>(() => undefined);
    },
    signOut(reason?: string) {
      void manager.getUser().then(async (u) => {
        await manager.removeUser();
        // Signing out on purpose also ends the provider's session (RP-initiated logout 1.0).
        if (!reason && u?.id_token)
          await manager.signoutRedirect({ id_token_hint: u.id_token }).catch(() => undefined);
      });
      end(reason);
    },
    accessToken: () => token,
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async completeSignIn() {
      try {
        const u = await manager.signinRedirectCallback();
        token = u.access_token;
        const me = await createApi({ base, token: () => token })<SignedInUser>('GET', '/app/me');
        user = { id: me.id, role: me.role, al: me.al ?? null };
        sessionStorage.setItem(USER_KEY, JSON.stringify(user));
        endedBecause = undefined;
      } catch (err) {
        await manager.removeUser();
        end(`Sign-in did not complete: ${err instanceof Error ? err.message : 'unknown error'}`);
      } finally {
        history.replaceState(null, '', '/web/');
        changed();
      }
    },
  };
}
