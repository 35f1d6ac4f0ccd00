/**
 * The one place the web app calls the platform's JSON APIs (same origin).
 * Errors come back as ApiError with the stable code of the contract
 * ({ error, message }) and the HTTP status, so pages can say what happened:
 * 401 means sign in again, 403 is shown as "not allowed", 404 as unknown.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Whether the answer had the contract's { error, message } shape (else: no such service). */
    readonly fromContract = true,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface ApiOptions {
  /** Base URL; '' for the page's own origin. */
  base: string;
  token: () => string | undefined;
  /** Called on any 401, before the error is thrown: the session is over. */
  onUnauthenticated?: () => void;
  fetch?: typeof fetch;
}

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

export type Api = <T>(method: Method, path: string, body?: unknown) => Promise<T>;

export function createApi(opts: ApiOptions): Api {
  const doFetch = opts.fetch ?? ((...a: Parameters<typeof fetch>) => fetch(...a));
  return async <T>(method: Method, path: string, body?: unknown) => {
    const token = opts.token();
    const headers: Record<string, string> = { accept: 'application/json' };
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await doFetch(`${opts.base}${path}`, {
        method,
        headers,
        credentials: 'omit',
        cache: 'no-store',
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch {
      throw new ApiError(0, 'network_error', 'the platform cannot be reached');
    }
    const text = await res.text();
    let parsed: unknown = {};
    try {
      parsed = text ? JSON.parse(text) : {};
    } catch {
      parsed = {};
    }
    if (!res.ok) {
      const { error, message } = (parsed ?? {}) as { error?: unknown; message?: unknown };
      if (res.status === 401) opts.onUnauthenticated?.();
      const known = typeof error === 'string' && /^[a-z][a-z0-9_]*$/.test(error);
      throw new ApiError(
        res.status,
        known ? error : defaultCode(res.status),
        typeof message === 'string' && known ? message : `${method} ${path}: HTTP ${res.status}`,
        known,
      );
    }
    return parsed as T;
  };
}

function defaultCode(status: number): string {
  if (status === 401) return 'unauthenticated';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not_found';
  if (status === 429) return 'rate_limited';
  return 'api_error';
}

/** What a person should read for an error (never a stack, never health data). */
export function describeError(err: unknown): string {
  if (err instanceof ApiError) {
    if (err.status === 401) return 'Your session has ended. Please sign in again.';
    if (err.status === 403) return `Not allowed: ${err.message}`;
    if (err.status === 404) return `Not found: ${err.message}`;
    if (err.status === 0) return 'The platform cannot be reached. Check your connection.';
    return err.message;
  }
  return err instanceof Error ? err.message : 'Something went wrong.';
}

/**
 * A platform without a service answers its paths with something else than
 * the contract's error shape (the CSE's binding takes unknown paths, or
 * Fastify's own 404): say so plainly instead of showing that answer.
 */
export function notAvailable(err: unknown, what: string): string | undefined {
  return err instanceof ApiError && !err.fromContract && err.status >= 400 && err.status !== 401
    ? `${what} are not available on this platform yet.`
    : undefined;
}
