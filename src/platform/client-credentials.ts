import { Agent, request } from 'undici';
import { Rsc, TutelaError } from '../core/errors.js';

export interface ClientCredentialsOptions {
  /** The platform's base URL; the token endpoint is `<url>/oidc/token`. */
  url: string;
  clientId: string;
  secret: string;
  scope: string;
  ca?: string | undefined;
  /** Test hook. */
  now?: () => number;
}

/** A fresh token is fetched this long before the current one expires. */
const REFRESH_MARGIN_MS = 60_000;

/**
 * An access token of a confidential client, by the client-credentials grant
 * (RFC 6749 §4.4) at the platform's token endpoint, with the client
 * authenticated by HTTP Basic (§2.3.1: id and secret form-urlencoded first).
 * The token is kept and a new one fetched a minute before it expires (a
 * short-lived one at half its life); concurrent callers share one request.
 */
export function clientCredentials(o: ClientCredentialsOptions): {
  accessToken: () => Promise<string>;
  close: () => Promise<void>;
} {
  const now = o.now ?? Date.now;
  const agent = new Agent(o.ca ? { connect: { ca: o.ca } } : {});
  let current: { token: string; renewAt: number } | undefined;
  let pending: Promise<string> | undefined;
  const basic = Buffer.from(
    `${encodeURIComponent(o.clientId)}:${encodeURIComponent(o.secret)}`,
  ).toString('base64');

  const fetchToken = async (): Promise<string> => {
    const res = await request(`${o.url}/oidc/token`, {
      method: 'POST',
      dispatcher: agent,
      headers: {
        authorization: `Basic ${basic}`,
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
      },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope: o.scope }).toString(),
    });
    const body = (await res.body.json().catch(() => ({}))) as Record<string, unknown>;
    if (res.statusCode !== 200 || typeof body.access_token !== 'string')
      throw new TutelaError(
        'token_request_failed',
        Rsc.INTERNAL_SERVER_ERROR,
        `the token endpoint refused ${o.clientId}: HTTP ${res.statusCode} ${typeof body.error === 'string' ? body.error : ''}`.trim(),
      );
    const lifeMs = (typeof body.expires_in === 'number' ? body.expires_in : 60) * 1000;
    current = {
      token: body.access_token,
      renewAt: now() + Math.max(lifeMs - REFRESH_MARGIN_MS, lifeMs / 2),
    };
    return current.token;
  };

  return {
    accessToken: () => {
      if (current && now() < current.renewAt) return Promise.resolve(current.token);
      pending ??= fetchToken().finally(() => {
        pending = undefined;
      });
      return pending;
    },
    close: () => agent.close(),
  };
}
