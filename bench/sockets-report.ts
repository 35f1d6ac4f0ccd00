import type { Target } from './report.js';
import type { SocketsResult } from './sockets.js';
import { fmt, rows } from './table.js';

/** Targets of the 10,000-sockets part (issue 5 item 7). */
export const WS_TARGETS = {
  connectedClients: { op: '>=', target: 10_000 },
} as const;

export function wsTargets(w: SocketsResult): Target[] {
  return Object.entries(WS_TARGETS).map(([key, t]) => {
    const value = w[key as keyof typeof WS_TARGETS];
    return {
      metric: `ws.${key}`,
      op: t.op,
      target: t.target,
      value,
      pass: Number.isFinite(value) && value >= t.target,
    };
  });
}

export function wsRows(w: SocketsResult): string[] {
  return rows('Connected caregivers (live alert channel, one platform process)', [
    [
      'sockets open / asked / failed',
      `${fmt(w.connectedClients)} / ${fmt(w.requested)} / ${fmt(w.failed)}${w.firstError ? ` (${w.firstError})` : ''}`,
    ],
    [
      'opening them all',
      `${fmt(w.connectMs)} ms (each: p50 ${fmt(w.connectP50Ms)} / p99 ${fmt(w.connectP99Ms)} ms); provisioning ${fmt(w.provisionMs)} ms`,
    ],
    [
      'server RSS before / with them (after GC)',
      `${fmt(w.rssBeforeMb)} / ${fmt(w.rssAfterMb)} MB; heap ${fmt(w.heapUsedBeforeMb)} / ${fmt(w.heapUsedAfterMb)} MB`,
    ],
    ['per socket', `${fmt(w.rssPerClientKb)} KB RSS, ${fmt(w.heapPerClientKb)} KB of JS heap`],
    [
      'one alert per patient at once: reached',
      `${fmt(w.broadcastReached)} of ${fmt(w.connectedClients)} (${fmt(w.patients)} patients); tick due → screen p50 / p99 / max ${fmt(w.broadcastP50Ms)} / ${fmt(w.broadcastP99Ms)} / ${fmt(w.broadcastMaxMs)} ms`,
    ],
    ['server RSS after the broadcast', `${fmt(w.rssAfterBroadcastMb)} MB`],
    ['open-files soft limit', w.openFilesLimit === undefined ? 'unknown' : fmt(w.openFilesLimit)],
  ]);
}
