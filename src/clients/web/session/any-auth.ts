import type { Auth, SignedInUser } from './auth.js';

/**
 * The app's one Auth when the platform offers two ways in: the OpenID
 * provider (when it runs) and a pasted access token. Whichever holds a
 * signed-in person answers; `signIn(secret)` with a token uses the token,
 * `signIn()` without one goes to the provider.
 */
export interface AppAuth extends Auth {
  readonly providerAvailable: boolean;
}

export function anyAuth(token: Auth, provider?: Auth): AppAuth {
  const active = () => (provider?.user ? provider : token);
  return {
    providerAvailable: provider !== undefined,
    get user(): SignedInUser | undefined {
      return active().user;
    },
    get endedBecause() {
      return provider?.endedBecause ?? token.endedBecause;
    },
    signIn: (secret?: string) =>
      secret === undefined && provider ? provider.signIn() : token.signIn(secret),
    signOut: (reason?: string) => active().signOut(reason),
    accessToken: () => active().accessToken(),
    onChange(listener) {
      const offs = [token.onChange(listener), provider?.onChange(listener)];
      return () => offs.forEach((off) => off?.());
    },
  };
}
