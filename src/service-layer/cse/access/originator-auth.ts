import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { m2mError } from '../../../core/errors.js';
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
  /** The originator the request claims (X-M2M-Origin), e.g. `C<dev>`. */
  originator: string;
  op: Operation;
  to: string;
  /** The client's certificate when one was presented over (mutual) TLS. */
  certificate: ClientCertificate | undefined;
  ip: string;
}

/**
 * Authenticates the originator of each request (TS-0003 §7: the CSE must
 * know a request comes from the originator it names before ACPs apply).
 * Answers undefined to let the request go on, or why it is refused: the
 * CSE then answers 4103 ORIGINATOR_HAS_NO_PRIVILEGE with that reason. The
 * platform provides it (e.g. device certificates checked against the
 * authorization server); without one, X-M2M-Origin is taken as given.
 */
export type AuthenticateOriginator = (check: OriginatorCheck) => Promise<string | undefined>;

/** The client certificate of a TLS connection, if the client presented one. */
export function clientCertificate(socket: Socket): ClientCertificate | undefined {
  const tls = socket as Partial<TLSSocket>;
  if (typeof tls.getPeerCertificate !== 'function') return undefined;
  const peer = tls.getPeerCertificate(false);
  if (!peer || !peer.raw || peer.raw.length === 0) return undefined;
  return { authorized: tls.authorized === true, raw: new Uint8Array(peer.raw) };
}

/** Runs the hook, if any, and refuses with 4103 when it says so. */
export async function authenticateOriginator(
  hook: AuthenticateOriginator | undefined,
  check: OriginatorCheck,
): Promise<void> {
  if (!hook || check.originator === '') return;
  const refusal = await hook(check);
  if (refusal !== undefined)
    throw m2mError.noPrivilege(`originator ${check.originator} is not authenticated: ${refusal}`);
}
