/**
 * 10,000 connected caregivers (issue 5 item 7, `ws.connectedClients`,
 * `ws.rssPerClientKb`): a fresh platform child (bench/pipeline-server.ts,
 * started with --expose-gc so its memory is measured after a full GC), one
 * patient per 500 nurses (N nurses in all), each patient with a gateway, a
 * doctor and a responder; each nurse has their own directory API token. This process opens N sockets on
 * the live alert channel (GET /app/alerts/live, `tutela.bearer.<token>`),
 * one per nurse, and keeps them open; the child's RSS before and after says
 * what a socket costs. Then every patient's gateway sends one high tick at
 * the same moment, the real way (sealed, through the CSE and the pipeline):
 * the alerts they raise reach every socket (each nurse hears their patient),
 * and how many got theirs, and when, is measured.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import WebSocket from 'ws';
import { WS_BEARER_PREFIX } from '../src/core/m2m/index.js';
import { fromBase64url } from '../src/crypto/encoding.js';
import { importPublicKey, sealReading, type HpkeKey } from '../src/crypto/hpke.js';
import { benchScript, startChild } from './child.js';
import { tempDir } from './cleanup.js';
import { childEnv, profileOf } from './cse.js';
import { makeFleet, publicPart, sendPaced, type SealedTick, type SimGateway } from './gateways.js';
import type { MemoryAnswer, ProvisionAnswer, ProvisionRequest } from './pipeline-server.js';
import { nowMs, percentile, sleep } from './stats.js';
import { tickBatch } from './vitals.js';

/** Sockets being opened at once (each is an upgrade, a token lookup and a replay on the server). */
const OPEN_CONCURRENCY = 100;
/**
 * Nurses per patient: a CSE access control policy admits at most 1,024
 * originators, so the caregivers are spread over ceil(N / 500) patients
 * (each still a very large care team), and the broadcast is one alert per
 * patient, raised at the same moment.
 */
const NURSES_PER_PATIENT = 500;
/** File descriptors this process and the child keep for everything else (CSE, IPC, SQLite…). */
const FD_HEADROOM = 200;
/** After the broadcast, how long to wait for stragglers once nothing new arrived, and at most. */
const QUIET_MS = 3000;
const BROADCAST_MAX_MS = 60_000;

export interface SocketsOptions {
  clients: number;
  /** With --profile: the child runs under --cpu-prof and writes its profile here. */
  profileDir?: string;
  log: (msg: string) => void;
}

export interface SocketsResult {
  /** Sockets asked for, and open (replay frame received) when the memory was measured. */
  requested: number;
  connectedClients: number;
  /** Sockets that failed to open (first error kept). */
  failed: number;
  firstError?: string;
  /** Soft limit on open files of this process (the child inherits it); undefined if unknown. */
  openFilesLimit?: number;
  /** Adding the N nurses and their episode (ms), and opening every socket (ms). */
  provisionMs: number;
  connectMs: number;
  /** Open → replay frame received, per socket (ms). */
  connectP50Ms: number;
  connectP99Ms: number;
  /** The platform child after a full GC, before the sockets and with them all open (MB). */
  rssBeforeMb: number;
  rssAfterMb: number;
  heapUsedBeforeMb: number;
  heapUsedAfterMb: number;
  /** (rssAfter − rssBefore) / connectedClients, and the same for the JS heap (KB). */
  rssPerClientKb: number;
  heapPerClientKb: number;
  /** Patients the caregivers are spread over (NURSES_PER_PATIENT each). */
  patients: number;
  /**
   * One high tick per patient, all sent at once while every socket was open:
   * sockets that got their patient's `raised` event.
   */
  broadcastReached: number;
  /** Tick due at the gateway → `raised` on each socket (ms). */
  broadcastP50Ms: number;
  broadcastP99Ms: number;
  broadcastMaxMs: number;
  /** The child's RSS once the broadcast was out (MB, after a full GC). */
  rssAfterBroadcastMb: number;
  /** The child's CPU profile (--profile): provisioning, the sockets opening, the broadcast. */
  profile?: string;
}

/** A high (NEWS2 16) tick of `g`, sealed the real way. */
async function highTick(g: SimGateway, kid: string, appKey: HpkeKey): Promise<SealedTick> {
  const seq = ++g.seq;
  const { batch, pulse } = tickBatch(g.pt, g.dev, seq, true);
  const sealed = await sealReading(
    new TextEncoder().encode(JSON.stringify(batch)),
    { pt: g.pt, dev: g.dev, seq, kid },
    appKey,
    g.key,
  );
  return {
    gateway: g,
    seq,
    src: `${g.dev}:${seq}`,
    alert: true,
    pulse,
    body: JSON.stringify({
      'm2m:cin': { con: JSON.stringify(sealed), cnf: 'application/json:0', rn: `r${seq}` },
    }),
  };
}

/** The soft limit on open files (Linux /proc), or undefined elsewhere. */
function openFilesLimit(): number | undefined {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const soft = line?.split(/\s{2,}/)[1];
    return soft === undefined || soft === 'unlimited' ? undefined : Number(soft);
  } catch {
    return undefined;
  }
}

const mb = (bytes: number) => Math.round(bytes / 1024 / 102.4) / 10;

export async function benchSockets(opts: SocketsOptions): Promise<SocketsResult> {
  const limit = openFilesLimit();
  let n = opts.clients;
  if (limit !== undefined && limit < n + FD_HEADROOM) {
    n = Math.max(1, limit - FD_HEADROOM);
    opts.log(
      `ws: the open-files soft limit is ${limit}: opening ${n} sockets, not ${opts.clients}`,
    );
  }
  const scratch = tempDir('tutela-bench-ws-');
  const server = await startChild(benchScript('pipeline-server'), {
    cwd: scratch.dir,
    env: {
      ...childEnv(),
      BENCH_PIPELINE_OVERRIDES: JSON.stringify({ dataDir: join(scratch.dir, 'data') }),
    },
    execArgv: [
      '--expose-gc',
      ...(opts.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${opts.profileDir}`] : []),
    ],
  });
  if (opts.profileDir) mkdirSync(opts.profileDir, { recursive: true });
  const sockets: WebSocket[] = [];
  let result: SocketsResult;
  try {
    const info = server.info as unknown as {
      url: string;
      cse: string;
      kid: string;
      appPublicKey: string;
    };
    const fleet = await makeFleet(Math.ceil(n / NURSES_PER_PATIENT));
    const nurses = Array.from({ length: n }, (_, i) => `nurse-ws-${i + 1}`);
    const patientOf = (i: number) => Math.floor(i / NURSES_PER_PATIENT);
    opts.log(
      `ws: provisioning ${fleet.length} patients, ${NURSES_PER_PATIENT} nurses, a doctor and a responder in each care team`,
    );
    // The doctor and the responder are alerted at step 0 of the high chain: the nurses only hear.
    const lead = ['dr-ws', 'er-ws'];
    const request: ProvisionRequest = {
      team: [
        { id: 'dr-ws', role: 'doctor' },
        { id: 'er-ws', role: 'responder' },
        ...nurses.map((id) => ({ id, role: 'nurse' as const })),
      ],
      patients: fleet.map((g, k) => ({
        ...publicPart(g),
        team: [...lead, ...nurses.filter((_, i) => patientOf(i) === k)],
      })),
    };
    const provisioned = await server.ask<ProvisionAnswer>('provision', request, 300_000);
    const before = await server.ask<MemoryAnswer>('memory');

    opts.log(`ws: opening ${n} sockets on /app/alerts/live, ${OPEN_CONCURRENCY} at a time`);
    const wsUrl = `${info.url.replace(/^http/, 'ws')}/app/alerts/live`;
    const arrivals = new Map<number, number>();
    const connectTimes: number[] = [];
    let failed = 0;
    let firstError: string | undefined;
    const open = (i: number) =>
      new Promise<void>((resolve) => {
        const started = nowMs();
        const ws = new WebSocket(
          wsUrl,
          ['tutela.alerts.v1', `${WS_BEARER_PREFIX}${provisioned.tokens[nurses[i]!]!}`],
          { perMessageDeflate: false },
        );
        const fail = (msg: string) => {
          failed++;
          firstError ??= msg;
          ws.terminate();
          resolve();
        };
        ws.on('message', (data) => {
          const at = nowMs();
          const frame = JSON.parse(String(data)) as { type?: string; kind?: string };
          if (frame.type === 'replay') {
            connectTimes.push(at - started);
            sockets.push(ws);
            resolve();
          } else if (frame.type === 'event' && frame.kind === 'raised' && !arrivals.has(i))
            arrivals.set(i, at);
        });
        ws.once('error', (err) => fail(err.message));
        ws.once('unexpected-response', (_req, res) => fail(`HTTP ${res.statusCode}`));
      });
    const connectStart = nowMs();
    let next = 0;
    await Promise.all(
      Array.from({ length: OPEN_CONCURRENCY }, async () => {
        for (let i = next++; i < n; i = next++) await open(i);
      }),
    );
    const connectMs = nowMs() - connectStart;
    opts.log(
      `ws: ${sockets.length} open, ${failed} failed in ${Math.round(connectMs)} ms${firstError ? ` (${firstError})` : ''}`,
    );
    const after = await server.ask<MemoryAnswer>('memory');
    const connected = sockets.filter((s) => s.readyState === WebSocket.OPEN).length;

    opts.log(`ws: one high tick from each of the ${fleet.length} gateways at once`);
    const appKey = await importPublicKey(fromBase64url(info.appPublicKey));
    const ticks = await Promise.all(fleet.map((g) => highTick(g, info.kid, appKey)));
    const sent = await sendPaced(info.url, info.cse, ticks, 10_000, ticks.length);
    const dues = ticks.map((t) => sent.sentAt.get(t.src));
    if (dues.some((d) => d === undefined))
      throw new Error(`a high tick was not accepted: ${sent.firstError}`);
    const start = nowMs();
    let seen = 0;
    let since = start;
    while (arrivals.size < connected && nowMs() - start < BROADCAST_MAX_MS) {
      await sleep(50);
      if (arrivals.size !== seen) {
        seen = arrivals.size;
        since = nowMs();
      } else if (seen > 0 && nowMs() - since > QUIET_MS) break;
    }
    const latencies = [...arrivals].map(([i, at]) => at - dues[patientOf(i)]!);
    const afterBroadcast = await server.ask<MemoryAnswer>('memory');
    result = {
      requested: opts.clients,
      patients: fleet.length,
      connectedClients: connected,
      failed,
      ...(firstError === undefined ? {} : { firstError }),
      ...(limit === undefined ? {} : { openFilesLimit: limit }),
      provisionMs: Math.round(provisioned.ms),
      connectMs: Math.round(connectMs),
      connectP50Ms: Math.round(percentile(connectTimes, 50)),
      connectP99Ms: Math.round(percentile(connectTimes, 99)),
      rssBeforeMb: mb(before.rss),
      rssAfterMb: mb(after.rss),
      heapUsedBeforeMb: mb(before.heapUsed),
      heapUsedAfterMb: mb(after.heapUsed),
      rssPerClientKb: connected > 0 ? Math.round((after.rss - before.rss) / 1024 / connected) : NaN,
      heapPerClientKb:
        connected > 0
          ? Math.round((10 * (after.heapUsed - before.heapUsed)) / 1024 / connected) / 10
          : NaN,
      broadcastReached: arrivals.size,
      broadcastP50Ms: Math.round(percentile(latencies, 50)),
      broadcastP99Ms: Math.round(percentile(latencies, 99)),
      broadcastMaxMs: Math.round(percentile(latencies, 100)),
      rssAfterBroadcastMb: mb(afterBroadcast.rss),
    };
  } finally {
    for (const s of sockets) s.terminate();
    await server.stop();
    await scratch.remove();
  }
  const profile = opts.profileDir && profileOf(opts.profileDir, server.pid);
  return profile ? { ...result, profile } : result;
}
