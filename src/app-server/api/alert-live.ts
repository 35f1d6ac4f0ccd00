import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { bearerTokenOf } from '../../core/auth/bearer-token.js';
import type { Logger } from '../../core/log.js';
import { WS_BEARER_PREFIX } from '../../core/m2m/ws-bearer.js';
import type { AlertLive } from '../alerts/index.js';
import type { Authenticate } from './auth.js';

export const ALERTS_LIVE_PATH = '/app/alerts/live';
/** The sub-protocol the server selects; the token rides beside it as `tutela.bearer.<token>`. */
export const ALERTS_PROTOCOL = 'tutela.alerts.v1';

/**
 * GET /app/alerts/live[?after=<seq>]: the live alert channel of the web app
 * (issue 5 item 6), a WebSocket like the CSE's notification channel
 * (service-layer/cse/notify/ws-hub.ts, `ws` package). A browser cannot set
 * an Authorization header on an upgrade, so the bearer token comes as the
 * `tutela.bearer.<token>` entry of Sec-WebSocket-Protocol, offered beside
 * `tutela.alerts.v1` (which the server selects; the token is never echoed);
 * other clients may send `Authorization: Bearer`. Refused before any
 * upgrade: 400 for a bad `after`, 401 without a valid token. The channel
 * is closed (1008) when the token expires, if the authentication says when
 * (`User.expiresAt`). Returns false for other paths.
 */
export function alertLiveUpgrade(opts: {
  authenticate: Authenticate;
  live: Pick<AlertLive, 'attach'>;
  log: Logger;
}) {
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: 4 * 1024,
    handleProtocols: (protocols) => (protocols.has(ALERTS_PROTOCOL) ? ALERTS_PROTOCOL : false),
  });
  const handle = (req: IncomingMessage, socket: Duplex, head: Buffer): boolean => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname !== ALERTS_LIVE_PATH) return false;
    const answer = (status: string, extra = '') =>
      socket.end(`HTTP/1.1 ${status}\r\n${extra}Content-Length: 0\r\n\r\n`);
    const raw = url.searchParams.get('after');
    const after = raw === null ? undefined : Number(raw);
    if (raw !== null && !(/^\d{1,15}$/.test(raw) && Number.isSafeInteger(after))) {
      answer('400 Bad Request');
      return true;
    }
    const token = bearerTokenOf(req.headers.authorization) ?? protocolToken(req);
    (token ? opts.authenticate(token) : Promise.resolve(undefined)).then(
      (user) => {
        if (!user) return answer('401 Unauthorized', 'WWW-Authenticate: Bearer realm="tutela"\r\n');
        wss.handleUpgrade(req, socket, head, (ws) => {
          // The channel lives no longer than its token (as the CSE's does): the client
          // reconnects with a fresh one and its cursor, and misses nothing.
          if (user.expiresAt !== undefined) {
            const timer = setTimeout(
              () => ws.close(1008, 'token expired'),
              Math.max(0, user.expiresAt - Date.now()),
            );
            ws.once('close', () => clearTimeout(timer));
          }
          void opts.live.attach(user, ws, after);
        });
      },
      (err: unknown) => {
        opts.log.error({ err }, 'alert channel authentication failed');
        answer('500 Internal Server Error');
      },
    );
    return true;
  };
  return Object.assign(handle, { close: () => wss.close() });
}

function protocolToken(req: IncomingMessage): string | undefined {
  const offered = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
  const entry = offered.find((p) => p.startsWith(WS_BEARER_PREFIX));
  return entry ? entry.slice(WS_BEARER_PREFIX.length) || undefined : undefined;
}
