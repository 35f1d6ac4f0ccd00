import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Logger } from '../../../core/log.js';
import { Rsc } from '../../../core/errors.js';

/** WebSocket sub-protocol of the oneM2M WebSocket binding with JSON serialisation (TS-0020 §6.1). */
export const WS_PROTOCOL = 'oneM2M.json';
export const WS_PATH = '/ws';

export interface WsHubOptions {
  cseId: string;
  ackTimeoutMs: number;
  log: Logger;
  /** Is this AE registered (and, later, is the caller entitled to it)? */
  admit(aei: string): Promise<boolean>;
  /** Called once the AE's socket is ready: replay from `since`, then send what is pending. */
  connected(aei: string, since: number | undefined): Promise<void>;
}

interface Waiter {
  resolve(): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

/**
 * Notifications to connected clients (browsers, CLIs) over WebSocket. The AE
 * connects to /ws?ae=<AE-ID>[&since=<seq>] with sub-protocol "oneM2M.json";
 * the CSE sends NOTIFY request primitives ({op:5, fr, to, rqi, pc}) plus a
 * "seq" that the client keeps to ask for a replay after reconnecting; the
 * client acknowledges each with a response primitive ({rsc:2000, rqi}).
 * Until it is acknowledged a notification stays pending in the outbox.
 */
export class WsHub {
  private readonly wss = new WebSocketServer({
    noServer: true,
    maxPayload: 64 * 1024,
    handleProtocols: (protocols) => (protocols.has(WS_PROTOCOL) ? WS_PROTOCOL : false),
  });
  private readonly sockets = new Map<string, Set<WebSocket>>();
  private readonly waiting = new Map<string, Waiter>();

  constructor(private readonly opts: WsHubOptions) {}

  isConnected(aei: string): boolean {
    return (this.sockets.get(aei)?.size ?? 0) > 0;
  }

  /**
   * Handles an HTTP upgrade; returns false when the path is not the
   * notification channel. `until` (epoch ms): when the credential the
   * connection was opened with expires; the socket is closed then.
   */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, until?: number): boolean {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname !== WS_PATH) return false;
    const aei = url.searchParams.get('ae') ?? '';
    const sinceRaw = url.searchParams.get('since');
    const since = sinceRaw === null ? undefined : Number(sinceRaw);
    // Answered in HTTP, before any upgrade; returns true: the request was ours.
    const refuse = (status: 400 | 403 | 500, why: string, rsc: number) => {
      socket.end(`HTTP/1.1 ${status} ${why}\r\nX-M2M-RSC: ${rsc}\r\nContent-Length: 0\r\n\r\n`);
      return true;
    };
    if (!/^[CS][A-Za-z0-9._-]*$/.test(aei)) return refuse(400, 'Bad Request', Rsc.BAD_REQUEST);
    if (since !== undefined && !(Number.isInteger(since) && since >= 0)) {
      return refuse(400, 'Bad Request', Rsc.BAD_REQUEST);
    }
    this.opts
      .admit(aei)
      .then((ok) => {
        if (!ok) return refuse(403, 'Forbidden', Rsc.ORIGINATOR_HAS_NOT_REGISTERED);
        this.wss.handleUpgrade(req, socket, head, (ws) => this.attach(aei, ws, since, until));
      })
      .catch(() => refuse(500, 'Internal Server Error', Rsc.INTERNAL_SERVER_ERROR));
    return true;
  }

  private attach(
    aei: string,
    ws: WebSocket,
    since: number | undefined,
    until: number | undefined,
  ): void {
    let set = this.sockets.get(aei);
    if (!set) this.sockets.set(aei, (set = new Set()));
    set.add(ws);
    // A channel lives no longer than the token it was opened with (RFC 6750 §5.2: short-lived
    // tokens bound the damage of a stolen one). 1008 policy violation (RFC 6455 §7.4.1); the
    // client reconnects with a fresh token, and what was notified meanwhile is replayed.
    const expiry =
      until === undefined
        ? undefined
        : setTimeout(
            () => ws.close(1008, 'the access token expired: reconnect with a fresh one'),
            Math.max(0, until - Date.now()),
          );
    expiry?.unref();
    ws.on('message', (data) => this.onMessage(data.toString()));
    ws.on('error', () => ws.terminate());
    ws.on('close', () => {
      clearTimeout(expiry);
      set.delete(ws);
      if (set.size === 0) this.sockets.delete(aei);
    });
    this.opts
      .connected(aei, since)
      .catch((err: unknown) => this.opts.log.error({ err, aei }, 'replay failed'));
  }

  private onMessage(text: string): void {
    let msg: { rsc?: unknown; rqi?: unknown };
    try {
      msg = JSON.parse(text) as typeof msg;
    } catch {
      return; // not a response primitive: nothing to acknowledge
    }
    if (typeof msg.rqi !== 'string') return;
    const w = this.waiting.get(msg.rqi);
    if (!w) return;
    this.waiting.delete(msg.rqi);
    clearTimeout(w.timer);
    if (typeof msg.rsc === 'number' && msg.rsc >= 2000 && msg.rsc < 3000) w.resolve();
    else w.reject(new Error(`client answered rsc ${String(msg.rsc)}`));
  }

  private frame(aei: string, rqi: string, body: string, seq: number): string {
    return `{"op":5,"fr":${JSON.stringify(this.opts.cseId)},"to":${JSON.stringify(aei)},"rqi":${JSON.stringify(rqi)},"rvi":"3","seq":${seq},"pc":${body}}`;
  }

  /** Sends a notification and waits for its acknowledgement. */
  send(aei: string, rqi: string, body: string, seq: number): Promise<void> {
    const ws = [...(this.sockets.get(aei) ?? [])].pop();
    if (!ws) return Promise.reject(new Error(`${aei} is not connected`));
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(rqi);
        reject(new Error(`no acknowledgement from ${aei} within ${this.opts.ackTimeoutMs} ms`));
      }, this.opts.ackTimeoutMs);
      this.waiting.set(rqi, { resolve, reject, timer });
      ws.send(this.frame(aei, rqi, body, seq));
    });
  }

  /**
   * Closes every open channel of an AE with `code` (1008, policy violation:
   * RFC 6455 §7.4.1) and says how many there were. Notifications waiting for
   * its acknowledgement stay pending in the outbox.
   */
  disconnect(aei: string, code: number, reason: string): number {
    const set = this.sockets.get(aei);
    if (!set) return 0;
    const n = set.size;
    for (const ws of set) {
      ws.close(code, reason);
      // A peer that does not answer the closing handshake is dropped all the same.
      setTimeout(() => ws.terminate(), 2_000).unref();
    }
    return n;
  }

  /** Replays an already delivered notification; no acknowledgement is awaited. */
  replay(aei: string, rqi: string, body: string, seq: number): void {
    for (const ws of this.sockets.get(aei) ?? []) ws.send(this.frame(aei, rqi, body, seq));
  }

  close(): void {
    for (const set of this.sockets.values()) for (const ws of set) ws.terminate();
    for (const w of this.waiting.values()) {
      clearTimeout(w.timer);
      w.reject(new Error('CSE closing'));
    }
    this.waiting.clear();
    this.wss.close();
  }
}
