import type { IncomingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { m2mError, Rsc } from '../../../core/errors.js';
import { bearerTokenOf } from '../../../core/auth/bearer-token.js';
import { WS_BEARER_PREFIX } from '../../../core/m2m/ws-bearer.js';
import type { Operation } from '../model/types.js';

/**
 * What the transport saw of the client's certificate, passed through as
 * is: the CSE only forwards it to the hook and never reads keys itself.
 */
export interface ClientCertificate {
  /** The TLS layer verified the chain against the CAs the server trusts for clients. */
  authorized: boolean;
  /** DER of the client's leaf certificate. */
  raw: Uint8Array;
}

/** One request as the originator-authentication hook sees it. */
export interface OriginatorCheck {
  /** The originator the request claims (X-M2M-Origin), e.g. `C<dev>`; empty for an AE registering without one. */
  originator: string;
  op: Operation;
  to: string;
  /** The client's certificate when one was presented over (mutual) TLS. */
  certificate: ClientCertificate | undefined;
  /**
   * The bearer token the request carried, unread: `Authorization: Bearer` on
   * the HTTP binding (RFC 6750 §2.1), the `tutela.bearer.<token>` entry of
   * `Sec-WebSocket-Protocol` on the notification channel. The CSE never
   * verifies it itself (no key code in the service layer): the hook does.
   */
  token: string | undefined;
  ip: string;
}

/**
 * Why a request is refused: a reason (answered with 4103
 * ORIGINATOR_HAS_NO_PRIVILEGE), or a reason with 4107
 * SECURITY_ASSOCIATION_REQUIRED when the request carried no credential at
 * all (TS-0004 Table 6.6.3.3-1).
 */
export type OriginatorRefusal =
  | string
  | {
      reason: string;
      rsc: typeof Rsc.ORIGINATOR_HAS_NO_PRIVILEGE | typeof Rsc.SECURITY_ASSOCIATION_REQUIRED;
    };

/**
 * An originator admitted until a given time (epoch ms): the expiry of the
 * token it showed. A request needs nothing more; the notification channel
 * it opens is closed then, and the client reconnects with a fresh token.
 */
export interface OriginatorAdmitted {
  until: number;
}

/**
 * Authenticates the originator of each request (TS-0003 §7: the CSE must
 * know a request comes from the originator it names before ACPs apply).
 * Answers undefined (or until when, OriginatorAdmitted) to let the request
 * go on, or why it is refused. The
 * platform provides it (device certificates for gateways, the provider's
 * access tokens for the rest: src/platform/cse-auth.ts); without one,
 * X-M2M-Origin is taken as given.
 */
export type AuthenticateOriginator = (
  check: OriginatorCheck,
) => Promise<OriginatorRefusal | OriginatorAdmitted | undefined>;

/** The refusal in a hook's answer, if it is one. */
export function refusalOf(
  answer: OriginatorRefusal | OriginatorAdmitted | undefined,
): OriginatorRefusal | undefined {
  return answer !== undefined && typeof answer === 'object' && 'until' in answer
    ? undefined
    : answer;
}

export { WS_BEARER_PREFIX };

/** The client certificate of a TLS connection, if the client presented one. */
export function clientCertificate(socket: Socket): ClientCertificate | undefined {
  const tls = socket as Partial<TLSSocket>;
  if (typeof tls.getPeerCertificate !== 'function') return undefined;
  const peer = tls.getPeerCertificate(false);
  if (!peer || !peer.raw || peer.raw.length === 0) return undefined;
  return { authorized: tls.authorized === true, raw: new Uint8Array(peer.raw) };
}

/** The bearer token of an HTTP request; a malformed Authorization header is a bad request. */
export function bearerToken(headers: IncomingHttpHeaders): string | undefined {
  const value = headers.authorization;
  const token = bearerTokenOf(value);
  if (value !== undefined && token === undefined)
    throw m2mError.badRequest('the Authorization header must be "Bearer <token>" (RFC 6750 §2.1)');
  return token;
}

/**
 * The bearer token of a WebSocket upgrade: a browser cannot set headers on
 * it, so the token rides as one entry of Sec-WebSocket-Protocol (the server
 * never selects that entry, it answers `oneM2M.json`).
 */
export function websocketToken(headers: IncomingHttpHeaders): string | undefined {
  const offered = (headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
  const entry = offered.find((p) => p.startsWith(WS_BEARER_PREFIX));
  return entry ? entry.slice(WS_BEARER_PREFIX.length) || undefined : undefined;
}

/** Runs the hook, if any; a refusal is a TutelaError with 4103 (or 4107, no credential). */
export async function authenticateOriginator(
  hook: AuthenticateOriginator | undefined,
  check: OriginatorCheck,
): Promise<void> {
  if (!hook) return;
  const refusal = refusalOf(await hook(check));
  if (refusal === undefined) return;
  const who = check.originator === '' ? 'an empty originator' : `originator ${check.originator}`;
  if (typeof refusal === 'string')
    throw m2mError.noPrivilege(`${who} is not authenticated: ${refusal}`);
  throw m2mError.of(
    refusal.rsc,
    refusal.rsc === Rsc.SECURITY_ASSOCIATION_REQUIRED ? 'unauthenticated' : 'no_privilege',
    `${who} is not authenticated: ${refusal.reason}`,
  );
}
