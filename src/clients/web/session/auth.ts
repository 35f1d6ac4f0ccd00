import type { Confidentiality } from '../../../protocol/levels.js';
import { createApi } from './api.js';

/**
 * Sign-in, behind one interface so that the pages do not care how: OpenID
 * Connect authorization code + PKCE (./oidc-auth.ts), or here an access
 * token of the platform's provider pasted by a developer (a JWT).
 *
 * The token lives in memory and in sessionStorage only (gone when the tab
 * closes; never in localStorage or a cookie), and is dropped on any 401.
 */
export interface SignedInUser {
  id: string;
  role: string;
  al: Confidentiality | null;
}

export interface Auth {
  readonly user: SignedInUser | undefined;
  /** Signs in; with a pasted token, `secret` is the access token. */
  signIn(secret?: string): Promise<SignedInUser>;
  signOut(reason?: string): void;
  accessToken(): string | undefined;
  /** Why the last session ended (e.g. it expired), for the sign-in page. */
  readonly endedBecause: string | undefined;
  onChange(listener: () => void): () => void;
}

const TOKEN_KEY = 'tutela.token';
const USER_KEY = 'tutela.user';

export function createTokenAuth(storage: Storage = sessionStorage, base = ''): Auth {
  let token = storage.getItem(TOKEN_KEY) ?? undefined;
  let user = readUser(storage.getItem(USER_KEY));
  if (!user) token = undefined;
  let endedBecause: string | undefined;
  const listeners = new Set<() => void>();
  const changed = () => listeners.forEach((l) => l());

  const auth: Auth = {
    get user() {
      return user;
    },
    get endedBecause() {
      return endedBecause;
    },
    async signIn(secret?: string) {
      const candidate = (secret ?? '').trim();
      // An access token of the platform's provider: a JWT (RFC 9068), three base64url parts.
      if (
        !/^[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}$/.test(candidate) ||
        candidate.length > 8192
      )
        throw new Error('That is not an access token: paste an access token of this platform.');
      const me = await createApi({ base, token: () => candidate })<SignedInUser>('GET', '/app/me');
      token = candidate;
      user = { id: me.id, role: me.role, al: me.al ?? null };
      endedBecause = undefined;
      storage.setItem(TOKEN_KEY, token);
      storage.setItem(USER_KEY, JSON.stringify(user));
      changed();
      return user;
    },
    signOut(reason?: string) {
      token = undefined;
      user = undefined;
      endedBecause = reason;
      storage.removeItem(TOKEN_KEY);
      storage.removeItem(USER_KEY);
      changed();
    },
    accessToken: () => token,
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  return auth;
}

/** The signed-in user kept in session storage, if it is one. */
export function readUser(text: string | null): SignedInUser | undefined {
  if (!text) return undefined;
  try {
    const u = JSON.parse(text) as Partial<SignedInUser>;
    return typeof u.id === 'string' && typeof u.role === 'string'
      ? { id: u.id, role: u.role, al: u.al ?? null }
      : undefined;
  } catch {
    return undefined;
  }
}
