import { Agent, request } from 'undici';
import { gatewayAe, patientPaths } from '../src/app-server/layout/patient-layout.js';
import {
  generateKeyPair,
  sealReading,
  type HpkeKey,
  type HpkeKeyPair,
} from '../src/crypto/hpke.js';
import { toBase64url } from '../src/crypto/encoding.js';
import { ALERT_EVERY, tickBatch } from './vitals.js';
import { nowMs, percentile } from './stats.js';

/** A simulated patient gateway: its patient, device id and key pair (kept in this process only). */
export interface SimGateway {
  pt: string;
  dev: string;
  key: HpkeKeyPair;
  /** Last sequence number sealed (the first tick is 1). */
  seq: number;
}

export interface AppKey {
  kid: string;
  publicKey: HpkeKey;
}

/** P gateways, one per patient, each with a fresh device key pair. */
export async function makeFleet(patients: number): Promise<SimGateway[]> {
  return Promise.all(
    Array.from({ length: patients }, async (_, i) => ({
      pt: `pt-${i + 1}`,
      dev: `gw-${i + 1}`,
      key: (await generateKeyPair()).pair,
      seq: 0,
    })),
  );
}

/** What the application server must learn about each gateway: only public halves. */
export const publicPart = (g: SimGateway) => ({
  pt: g.pt,
  dev: g.dev,
  publicKey: toBase64url(g.key.publicRaw),
});

/** One sealed tick, ready to send: its request body and what the receivers check it against. */
export interface SealedTick {
  gateway: SimGateway;
  seq: number;
  /** `<dev>:<seq>`: the `src` every version made from it carries. */
  src: string;
  alert: boolean;
  pulse: number;
  body: string;
}

let ticksMade = 0;

/**
 * Seals `count` ticks round-robin over the fleet, the real way (sealReading:
 * HPKE auth mode with the gateway's key, to the application server's key),
 * before the load starts: the gateways stand for devices at the patients'
 * homes, so their sealing must not take CPU from the server under test.
 * One tick in ALERT_EVERY is an alert.
 */
export async function sealTicks(
  fleet: SimGateway[],
  appKey: AppKey,
  count: number,
): Promise<SealedTick[]> {
  const plan = Array.from({ length: count }, (_, i) => {
    const gateway = fleet[i % fleet.length]!;
    return { gateway, seq: ++gateway.seq, alert: ++ticksMade % ALERT_EVERY === ALERT_EVERY / 2 };
  });
  const out: SealedTick[] = new Array<SealedTick>(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      for (let i = next++; i < count; i = next++) {
        const { gateway: g, seq, alert } = plan[i]!;
        const { batch, pulse } = tickBatch(g.pt, g.dev, seq, alert);
        const sealed = await sealReading(
          new TextEncoder().encode(JSON.stringify(batch)),
          { pt: g.pt, dev: g.dev, seq, kid: appKey.kid },
          appKey.publicKey,
          g.key,
        );
        const body = JSON.stringify({
          'm2m:cin': { con: JSON.stringify(sealed), cnf: 'application/json:0', rn: `r${seq}` },
        });
        out[i] = { gateway: g, seq, src: `${g.dev}:${seq}`, alert, pulse, body };
      }
    }),
  );
  return out;
}

export interface SendResult {
  /** Scheduled send time (ms, performance.timeOrigin + now) of every tick created (2xx). */
  sentAt: Map<string, number>;
  sent: number;
  failed: number;
  firstError?: string;
  /** From the first send to the last answer (ms). */
  durationMs: number;
  /** Create response time, from the scheduled send time, gateway queueing included (ms). */
  createP50Ms: number;
  createP99Ms: number;
  /** Most ticks one gateway held at once, waiting for its previous create to be answered. */
  maxGatewayBacklog: number;
}

/**
 * Open-loop paced load: tick i is due at start + i/rate. Like the real
 * gateway's spool, each gateway sends its ticks in order, one create at a
 * time (it waits for each answer before the next), so a slow service
 * layer shows up as a backlog at the gateways and in the latency, which
 * counts from the moment a tick was due. All gateways share one
 * keep-alive pool; each speaks as its own AE.
 */
export async function sendPaced(
  baseUrl: string,
  cseRn: string,
  ticks: SealedTick[],
  ratePerSec: number,
  connections: number,
): Promise<SendResult> {
  const agent = new Agent({ connections, keepAliveTimeout: 30_000 });
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  const queues = new Map<SimGateway, Array<{ tick: SealedTick; dueMs: number }>>();
  const busy = new Set<SimGateway>();
  let failed = 0;
  let firstError: string | undefined;
  let maxGatewayBacklog = 0;
  let answered = 0;
  let lastAnswerMs = 0;
  let allAnswered: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (allAnswered = resolve));

  const pump = (g: SimGateway) => {
    const q = queues.get(g);
    const item = q?.shift();
    if (!item) {
      busy.delete(g);
      return;
    }
    busy.add(g);
    const { tick, dueMs } = item;
    request(`${baseUrl}${patientPaths(cseRn, g.pt).inbox}`, {
      method: 'POST',
      dispatcher: agent,
      headers: {
        'x-m2m-origin': gatewayAe(g.dev),
        'x-m2m-ri': `gw-${tick.src}`,
        'x-m2m-rvi': '3',
        'content-type': 'application/json;ty=4',
      },
      body: tick.body,
    })
      .then(async (res) => {
        await res.body.dump();
        if (res.statusCode === 201) {
          sentAt.set(tick.src, dueMs);
          latencies.push(nowMs() - dueMs);
        } else {
          failed++;
          firstError ??= `HTTP ${res.statusCode} (RSC ${String(res.headers['x-m2m-rsc'])})`;
        }
      })
      .catch((err: unknown) => {
        failed++;
        firstError ??= (err as Error).message;
      })
      .finally(() => {
        lastAnswerMs = nowMs();
        if (++answered === ticks.length) allAnswered();
        pump(g);
      });
  };

  const start = nowMs();
  const startPerf = performance.now();
  const totalMs = (ticks.length / ratePerSec) * 1000;
  let due = 0;
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const elapsed = Math.min(performance.now() - startPerf, totalMs);
      const dueNow = Math.min(ticks.length, Math.floor((elapsed * ratePerSec) / 1000) + 1);
      for (; due < dueNow; due++) {
        const tick = ticks[due]!;
        const g = tick.gateway;
        let q = queues.get(g);
        if (!q) queues.set(g, (q = []));
        q.push({ tick, dueMs: start + (due * 1000) / ratePerSec });
        maxGatewayBacklog = Math.max(maxGatewayBacklog, q.length + (busy.has(g) ? 1 : 0));
        if (!busy.has(g)) pump(g);
      }
      if (due >= ticks.length) {
        clearInterval(timer);
        resolve();
      }
    }, 1);
  });
  if (ticks.length > 0) await done;
  await agent.close();
  return {
    sentAt,
    sent: ticks.length,
    failed,
    ...(firstError === undefined ? {} : { firstError }),
    durationMs: lastAnswerMs - start,
    createP50Ms: percentile(latencies, 50),
    createP99Ms: percentile(latencies, 99),
    maxGatewayBacklog,
  };
}
