/**
 * Crash safety of the CSE (oneM2M service layer): an acknowledged write, and
 * the notification it caused, survive a kill -9 of the server.
 *
 * The platform runs in a child process (test/support/start-server.ts) so it
 * can really be SIGKILLed mid-load and restarted on the same data directory
 * (SQLite) or schema (PostgreSQL, when DATABASE_URL is set).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { dropPostgresSchema } from '../src/core/db/index.js';
import { databaseTargets, type DatabaseTarget } from '../src/core/db/testing.js';
import { killAllChildServers, startChildServer, type ChildServer } from './support/child-server.js';

const ORIGIN = 'CCrash';
const AE = '/cse-in/crash';
const CNT = `${AE}/inbox`;

/** Load shape: bounded by count and by time, killed while requests are in flight. */
const WRITERS = 8;
const MAX_REQUESTS = 20_000;
const KILL_AFTER_MS = 1_200;
/** On a slow machine the load goes on (up to MAX_LOAD_MS) until this many were acknowledged. */
const WANT_ACKNOWLEDGED = 600;
const MAX_LOAD_MS = 10_000;
const MIN_ACKNOWLEDGED = 300;

let rqiCounter = 0;

interface M2MResult {
  status: number;
  rsc: number;
  body: any;
}

function m2mRequest(
  base: string,
  method: 'GET' | 'POST',
  path: string,
  create?: { ty: number; body: unknown },
): Promise<Response> {
  const headers: Record<string, string> = {
    'X-M2M-Origin': ORIGIN,
    'X-M2M-RI': `crash-${process.pid}-${++rqiCounter}`,
    'X-M2M-RVI': '3',
  };
  if (create) headers['Content-Type'] = `application/json;ty=${create.ty}`;
  // Global fetch (undici) keeps connections alive between requests.
  return fetch(base + path, {
    method,
    headers,
    ...(create ? { body: JSON.stringify(create.body) } : {}),
  });
}

async function m2m(
  base: string,
  method: 'GET' | 'POST',
  path: string,
  create?: { ty: number; body: unknown },
): Promise<M2MResult> {
  const res = await m2mRequest(base, method, path, create);
  const text = await res.text();
  return {
    status: res.status,
    rsc: Number(res.headers.get('x-m2m-rsc')),
    body: text ? JSON.parse(text) : {},
  };
}

/** A fresh data directory (and PostgreSQL schema prefix) that survives restarts of the child. */
function freshStorage(target: DatabaseTarget) {
  const dataDir = mkdtempSync(join(tmpdir(), 'tutela-crash-'));
  const prefix = `t${randomBytes(5).toString('hex')}`;
  const env: Record<string, string | undefined> = {
    TUTELA_DATA_DIR: dataDir,
    DATABASE_URL: target.url,
    TUTELA_TEST_PG_PREFIX: prefix,
  };
  return {
    env,
    async cleanup() {
      if (target.url) await dropPostgresSchema(target.url, `${prefix}_cse`);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function createAeAndContainer(base: string): Promise<void> {
  const ae = await m2m(base, 'POST', '/cse-in', {
    ty: 2,
    body: { 'm2m:ae': { rn: 'crash', api: 'Ncrash', rr: false, srv: ['3'] } },
  });
  expect(ae.status, JSON.stringify(ae.body)).toBe(201);
  const cnt = await m2m(base, 'POST', AE, { ty: 3, body: { 'm2m:cnt': { rn: 'inbox' } } });
  expect(cnt.status, JSON.stringify(cnt.body)).toBe(201);
}

const con = (n: number) => `sealed-${n}`;

interface LoadResult {
  acknowledged: number[];
  attempted: number;
  inflightAtKill: number;
  /** Answers other than 201, or transport errors, while the server was still up. */
  unexpected: string[];
  loadMs: number;
}

/**
 * WRITERS concurrent writers create instances until the child is SIGKILLed:
 * after KILL_AFTER_MS once WANT_ACKNOWLEDGED were acknowledged, at MAX_LOAD_MS at the latest.
 */
async function loadThenKill(server: ChildServer): Promise<LoadResult> {
  const acknowledged: number[] = [];
  const unexpected: string[] = [];
  let next = 0;
  let inflight = 0;
  let killed = false;
  const started = Date.now();

  const writer = async () => {
    while (!killed && next < MAX_REQUESTS) {
      const n = next++;
      inflight++;
      try {
        const res = await m2mRequest(server.url, 'POST', CNT, {
          ty: 4,
          body: { 'm2m:cin': { rn: `r${n}`, con: con(n) } },
        });
        // The status line is the acknowledgement; the body may be cut by the kill.
        if (res.status === 201) acknowledged.push(n);
        else if (!killed) unexpected.push(`r${n}: HTTP ${res.status} ${await res.text()}`);
        await res.arrayBuffer().catch(() => undefined);
      } catch (err) {
        // Requests the kill interrupted are simply not acknowledged.
        if (!killed) unexpected.push(`r${n}: ${(err as Error).message}`);
      } finally {
        inflight--;
      }
    }
  };

  let finished = false;
  const allDone = Promise.all(Array.from({ length: WRITERS }, writer)).then(() => {
    finished = true;
  });
  for (;;) {
    await new Promise((r) => setTimeout(r, 20));
    const elapsed = Date.now() - started;
    if (finished || elapsed >= MAX_LOAD_MS) break;
    if (elapsed >= KILL_AFTER_MS && acknowledged.length >= WANT_ACKNOWLEDGED) break;
  }
  killed = true;
  const inflightAtKill = inflight;
  const loadMs = Date.now() - started;
  process.kill(server.pid, 'SIGKILL');
  await allDone;
  expect(await server.exited).toBeNull(); // ended by the signal, not an exit code
  return { acknowledged, attempted: next, inflightAtKill, unexpected, loadMs };
}

/** Runs `fn` over `items` with at most `limit` at a time. */
async function eachLimited<T>(items: T[], limit: number, fn: (item: T) => Promise<void>) {
  let i = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (i < items.length) await fn(items[i++]!);
    }),
  );
}

afterEach(async () => {
  await killAllChildServers();
});

afterAll(async () => {
  await killAllChildServers();
});

describe.each(databaseTargets())('crash safety on $name', (target) => {
  it('keeps every acknowledged contentInstance across a kill -9 mid-load', async () => {
    const storage = freshStorage(target);
    // rcn=6 lists at most discoveryLimit children: raise it to see every instance.
    const env = {
      ...storage.env,
      TUTELA_TEST_OVERRIDES: JSON.stringify({ cse: { discoveryLimit: 1_000_000 } }),
    };
    try {
      const first = await startChildServer(env);
      await createAeAndContainer(first.url);

      const load = await loadThenKill(first);
      const acked = load.acknowledged;
      expect(load.unexpected.slice(0, 5), first.stderr()).toEqual([]);
      expect(
        load.inflightAtKill,
        'the kill must land while requests are in flight',
      ).toBeGreaterThan(0);
      expect(acked.length).toBeGreaterThanOrEqual(MIN_ACKNOWLEDGED);

      const restartedAt = Date.now();
      const second = await startChildServer(env);
      const restartMs = Date.now() - restartedAt;

      // Every acknowledged instance is there, with its content.
      const verifyStarted = Date.now();
      const lost: string[] = [];
      await eachLimited(acked, WRITERS, async (n) => {
        const r = await m2m(second.url, 'GET', `${CNT}/r${n}`);
        if (r.status !== 200 || r.body?.['m2m:cin']?.con !== con(n))
          lost.push(`r${n}: HTTP ${r.status} ${JSON.stringify(r.body).slice(0, 200)}`);
      });
      const verifyMs = Date.now() - verifyStarted;
      expect(lost.slice(0, 10), `${lost.length} acknowledged instances lost`).toEqual([]);

      // No half-written resource: the container's counters agree with its rows.
      const cnt = await m2m(second.url, 'GET', CNT);
      expect(cnt.status).toBe(200);
      const { cni, cbs } = cnt.body['m2m:cnt'] as { cni: number; cbs: number };
      const refs = await m2m(second.url, 'GET', `${CNT}?rcn=6`);
      expect(refs.status).toBe(200);
      const rrf = (refs.body['m2m:rrl']?.rrf ?? []) as Array<{ nm: string; typ: number }>;
      const present = rrf.filter((c) => c.typ === 4).map((c) => c.nm);
      expect(cni).toBeGreaterThanOrEqual(acked.length);
      expect(cni).toBe(present.length);
      // Beyond the acknowledged ones, only requests in flight at the kill may have landed.
      expect(cni).toBeLessThanOrEqual(acked.length + load.inflightAtKill);
      expect(present.every((nm) => /^r\d+$/.test(nm) && Number(nm.slice(1)) < load.attempted)).toBe(
        true,
      );
      const expectedCbs = present.reduce(
        (sum, nm) => sum + Buffer.byteLength(con(+nm.slice(1))),
        0,
      );
      expect(cbs).toBe(expectedCbs);

      console.info(
        `[crash-safety/${target.name}] ${load.attempted} creates started in ${load.loadMs} ms ` +
          `(${WRITERS} writers), ${acked.length} acknowledged, ${load.inflightAtKill} in flight at kill -9; ` +
          `after restart (${restartMs} ms): cni=${cni}, ${present.length} instances listed, ` +
          `${acked.length} verified in ${verifyMs} ms`,
      );
      await second.kill('SIGTERM');
    } finally {
      await killAllChildServers();
      await storage.cleanup();
    }
  }, 60_000);

  it('delivers the notification of every acknowledged instance after a kill -9', async () => {
    const storage = freshStorage(target);
    const env = { ...storage.env, TUTELA_TEST_NOTIFY_RETRY_MS: '200' };

    interface Received {
      ri: string | undefined;
      /** The instance's rn for a notification about a contentInstance, else undefined. */
      rn: string | undefined;
      /** The request body: the same notification, retried, has the same body. */
      body: string;
      answered: 500 | 200;
    }
    const received: Received[] = [];
    let verifications = 0;
    let answer: 500 | 200 = 500;
    const receiver = http.createServer((req, res) => {
      let text = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (text += chunk));
      req.on('end', () => {
        let sgn: Record<string, any> | undefined;
        try {
          sgn = (JSON.parse(text) as Record<string, any>)['m2m:sgn'];
        } catch {
          sgn = undefined;
        }
        if (sgn?.vrq === true) {
          verifications++;
          res.writeHead(200, { 'X-M2M-RSC': '2000' }).end();
          return;
        }
        const ri = req.headers['x-m2m-ri'];
        const rn: unknown = sgn?.nev?.rep?.['m2m:cin']?.rn;
        received.push({
          ri: Array.isArray(ri) ? ri[0] : ri,
          rn: typeof rn === 'string' ? rn : undefined,
          body: text,
          answered: answer,
        });
        if (answer === 500) res.writeHead(500, { 'X-M2M-RSC': '5000' }).end();
        else res.writeHead(200, { 'X-M2M-RSC': '2000' }).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const port = (receiver.address() as AddressInfo).port;

    try {
      const first = await startChildServer(env);
      await createAeAndContainer(first.url);
      const sub = await m2m(first.url, 'POST', CNT, {
        ty: 23,
        body: {
          'm2m:sub': { rn: 'watch', nu: [`http://127.0.0.1:${port}/n`], enc: { net: [3] } },
        },
      });
      expect(sub.status, JSON.stringify(sub.body)).toBe(201);
      expect(verifications).toBe(1);

      const names = Array.from({ length: 20 }, (_, i) => `n${i}`);
      for (const rn of names) {
        const r = await m2m(first.url, 'POST', CNT, {
          ty: 4,
          body: { 'm2m:cin': { rn, con: `sealed-${rn}` } },
        });
        expect(r.status, JSON.stringify(r.body)).toBe(201);
      }
      const refusedBeforeKill = received.length;
      await first.kill('SIGKILL');
      answer = 200;

      const restartedAt = Date.now();
      const second = await startChildServer(env);
      const deadline = Date.now() + 20_000;
      const deliveredNames = () =>
        new Set(received.filter((r) => r.answered === 200).map((r) => r.rn));
      while (deliveredNames().size < names.length && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
      }
      const deliveryMs = Date.now() - restartedAt;
      // Let late retries arrive, so duplicates are checked too.
      await new Promise((r) => setTimeout(r, 500));

      const delivered = deliveredNames();
      expect(
        names.filter((n) => !delivered.has(n)),
        'instances whose notification never arrived',
      ).toEqual([]);
      const aboutInstances = received.filter((r) => r.rn !== undefined);
      expect(
        aboutInstances.filter((r) => !names.includes(r.rn!)).map((r) => r.body),
        'notifications about unknown instances',
      ).toEqual([]);
      expect(
        received.filter((r) => !r.ri),
        'notifications without X-M2M-RI',
      ).toEqual([]);
      // A retried notification carries the same request id, so receivers can de-duplicate;
      // different notifications carry different ones.
      const risOf = (key: (r: Received) => string | undefined) => {
        const m = new Map<string, Set<string | undefined>>();
        for (const r of received) {
          const k = key(r);
          if (k === undefined) continue;
          if (!m.has(k)) m.set(k, new Set());
          m.get(k)!.add(r.ri);
        }
        return m;
      };
      for (const [rn, ris] of risOf((r) => r.rn))
        expect([...ris], `request ids of the notifications for instance ${rn}`).toHaveLength(1);
      const byBody = risOf((r) => r.body);
      for (const [body, ris] of byBody)
        expect([...ris], `request ids of the notification ${body}`).toHaveLength(1);
      expect(new Set(received.map((r) => r.ri)).size).toBe(byBody.size);

      const otherNotifications = byBody.size - names.length;
      const duplicates = received.filter((r) => r.answered === 200).length - byBody.size;
      console.info(
        `[crash-safety/${target.name}] notifications: ${refusedBeforeKill} refused attempts before kill -9, ` +
          `all ${names.length} instances notified ${deliveryMs} ms after restart, ` +
          `${duplicates} duplicate deliveries, ${otherNotifications} other notification(s) ` +
          `(not about an instance), ${received.length} notification requests in all`,
      );
      await second.kill('SIGTERM');
    } finally {
      await killAllChildServers();
      receiver.closeAllConnections();
      await new Promise((resolve) => receiver.close(resolve));
      await storage.cleanup();
    }
  }, 60_000);
});
