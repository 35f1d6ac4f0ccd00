import { WS_BEARER_PREFIX } from '../../../core/m2m/ws-bearer.js';
import { parseSealed } from './reader.js';
import type { SealedVersion } from '../../../protocol/envelope.js';

/**
 * Live updates over the CSE's WebSocket channel (TS-0020 binding,
 * subprotocol oneM2M.json), as the CLI listens: every notification is
 * acknowledged (rsc 2000 with its rqi), its contentInstance's `con` is a
 * sealed version; the channel reconnects with a growing pause (0.5 s
 * doubling to 30 s) and what was notified meanwhile arrives on
 * reconnection.
 */
export type LiveStatus = 'connecting' | 'live' | 'reconnecting' | 'closed';

export function listen(
  ae: string,
  /** The access token, asked for at each (re)connection. */
  token: () => string | undefined,
  onVersion: (v: SealedVersion) => void,
  onStatus: (s: LiveStatus) => void,
): () => void {
  let ws: WebSocket | undefined;
  let closed = false;
  let pauseMs = 500;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws?ae=${encodeURIComponent(ae)}`;

  const connect = () => {
    onStatus('connecting');
    // A browser cannot set Authorization on an upgrade: the token rides as a sub-protocol entry
    // the CSE checks against the AE and never selects (docs/cse.md, Authentication).
    const t = token();
    const socket = new WebSocket(
      url,
      t ? ['oneM2M.json', `${WS_BEARER_PREFIX}${t}`] : 'oneM2M.json',
    );
    ws = socket;
    socket.onopen = () => {
      pauseMs = 500;
      onStatus('live');
    };
    socket.onmessage = (ev) => {
      let msg: {
        rqi?: string;
        pc?: { 'm2m:sgn'?: { nev?: { rep?: { 'm2m:cin'?: { con?: unknown } } } } };
      };
      try {
        msg = JSON.parse(String(ev.data)) as typeof msg;
      } catch {
        return;
      }
      if (msg.rqi) socket.send(JSON.stringify({ rsc: 2000, rqi: msg.rqi }));
      const con = msg.pc?.['m2m:sgn']?.nev?.rep?.['m2m:cin']?.con;
      if (typeof con !== 'string') return;
      try {
        onVersion(parseSealed(con));
      } catch {
        // Not a version: nothing to show.
      }
    };
    socket.onclose = () => {
      if (closed) return;
      onStatus('reconnecting');
      timer = setTimeout(connect, pauseMs);
      pauseMs = Math.min(30_000, pauseMs * 2);
    };
  };
  connect();
  return () => {
    closed = true;
    if (timer) clearTimeout(timer);
    ws?.close();
    onStatus('closed');
  };
}
