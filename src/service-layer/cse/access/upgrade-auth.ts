import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { Rsc } from '../../../core/errors.js';
import type { Logger } from '../../../core/log.js';
import { Operation } from '../model/types.js';
import { WS_PATH } from '../notify/ws-hub.js';
import {
  clientCertificate,
  refusalOf,
  websocketToken,
  type AuthenticateOriginator,
} from './originator-auth.js';

/**
 * The originator check of the WebSocket notification channel: the AE of
 * `/ws?ae=<AE-ID>` is the originator, its token the `tutela.bearer.<token>`
 * entry of Sec-WebSocket-Protocol (a browser cannot set an Authorization
 * header on an upgrade; a query parameter, RFC 6750 §2.3, would land in
 * access logs: §5.3 advises against it). Refused: HTTP 401 with
 * `WWW-Authenticate: Bearer` (RFC 6750 §3) before any upgrade. Admitted:
 * `admit` runs the hub's own checks (AE registered), told until when the
 * token holds. Returns false for other paths.
 */
export function authenticateUpgrade(
  hook: AuthenticateOriginator,
  req: IncomingMessage,
  socket: Duplex,
  log: Logger,
  admit: (until: number | undefined) => boolean,
): boolean {
  const url = new URL(req.url ?? '/', 'http://x');
  if (url.pathname !== WS_PATH) return false;
  const aei = url.searchParams.get('ae') ?? '';
  const refuse = (rsc: number) =>
    socket.end(
      `HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Bearer realm="tutela"\r\nX-M2M-RSC: ${rsc}\r\nContent-Length: 0\r\n\r\n`,
    );
  hook({
    originator: aei,
    op: Operation.NOTIFY,
    to: WS_PATH,
    certificate: clientCertificate(req.socket as Socket),
    token: websocketToken(req.headers),
    ip: req.socket.remoteAddress ?? '',
  }).then(
    (answer) => {
      const refusal = refusalOf(answer);
      if (refusal === undefined) {
        admit(answer === undefined ? undefined : (answer as { until: number }).until);
        return;
      }
      refuse(typeof refusal === 'string' ? Rsc.ORIGINATOR_HAS_NO_PRIVILEGE : refusal.rsc);
    },
    (err: unknown) => {
      log.error({ err }, 'notification channel authentication failed');
      socket.end(
        `HTTP/1.1 500 Internal Server Error\r\nX-M2M-RSC: ${Rsc.INTERNAL_SERVER_ERROR}\r\nContent-Length: 0\r\n\r\n`,
      );
    },
  );
  return true;
}
