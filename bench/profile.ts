import { readFileSync } from 'node:fs';

/** The parts of a V8 .cpuprofile (node --cpu-prof) the summary reads. */
interface CpuProfile {
  nodes: Array<{
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
    children?: number[];
  }>;
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  file: string;
  /** Wall time the profile covers and the part of it not idle (ms). */
  totalMs: number;
  busyMs: number;
  /** Self time by area, share of busy time. */
  areas: Array<{ area: string; ms: number; pct: number }>;
  /** The functions with the most self time. */
  top: Array<{ fn: string; where: string; area: string; ms: number; pct: number }>;
  /** Inclusive time per module of ours (dist/src), i.e. time with it anywhere on the stack. */
  ourModules: Array<{ module: string; ms: number; pct: number }>;
  /**
   * With stage rules: every busy sample charged to the stage of the
   * innermost module of ours on its stack (so a JSON.parse or a SQLite call
   * made by the keyring counts as the keyring's); failing that, of the
   * innermost library frame the rules know (an async continuation inside
   * @hpke/core, Kysely or undici); failing that (socket reads, timers, GC),
   * to its area.
   */
  stages?: Array<{ stage: string; ms: number; pct: number }>;
}

const FASTIFY = new Set([
  'fastify',
  'find-my-way',
  'avvio',
  'light-my-request',
  'fast-json-stringify',
  'secure-json-parse',
  'fast-querystring',
  'fast-uri',
  'toad-cache',
  'process-warning',
  'abstract-logging',
  'rfdc',
  'content-type',
  'ret',
  'safe-regex2',
]);

/** Native methods of better-sqlite3's Statement/Database (they carry no script url). */
const SQLITE_NATIVE = new Set(['run', 'get', 'all', 'iterate', 'prepare', 'exec', 'pragma', 'raw']);

function packageOf(url: string): string | undefined {
  const m = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  return m?.[1];
}

/** The area a frame with a script url belongs to. */
function areaOfUrl(url: string, fn: string): string {
  // better-sqlite3's statements are native: V8 charges them to their JS caller, Kysely's driver.
  if (fn === 'executeQuery' && url.includes('/kysely/dist/esm/dialect/sqlite/sqlite-driver.js'))
    return 'SQLite statements (better-sqlite3, native)';
  // The pipeline server wraps every statement to count it (sql-stats.ts): the wrapper is the caller.
  if (url.includes('/dist/bench/sql-stats.js')) return 'SQLite statements (better-sqlite3, native)';
  const pkg = packageOf(url);
  if (pkg) {
    if (FASTIFY.has(pkg) || pkg.startsWith('@fastify/')) return 'Fastify';
    if (pkg === 'kysely') return 'Kysely (query building, compiling, transactions)';
    if (pkg === 'better-sqlite3') return 'better-sqlite3';
    if (pkg.startsWith('pg')) return 'pg (PostgreSQL driver)';
    return `dependency ${pkg}`;
  }
  if (url.includes('/dist/src/')) return 'our code';
  if (url.includes('/dist/bench/')) return 'bench harness';
  if (/^node:(_http_|http|https|net|stream|internal\/(http|streams|stream_base|net|url))/.test(url))
    return 'Node http/net/streams';
  if (
    /^node:internal\/(timers|process\/task_queues|async_hooks|event_target)|^node:events/.test(url)
  )
    return 'Node event loop (timers, microtasks, events)';
  if (url.startsWith('node:')) return 'Node other';
  return 'other';
}

/** Self time per function of a .cpuprofile, grouped into areas (Fastify, Kysely, SQLite, JSON, ours…). */
export interface StageRules {
  /** The stage of a module of ours (its path under dist/src, no extension). */
  ours: (module: string) => string;
  /** The stage of a library frame (by script url and function), if the rules know it. */
  library: (url: string, fn: string) => string | undefined;
}

export function summariseProfile(file: string, topN = 25, stageRules?: StageRules): ProfileSummary {
  const p = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

  const self = new Map<number, number>();
  let t = p.startTime;
  const times = p.timeDeltas.map((d) => (t += d));
  for (let i = 0; i < p.samples.length; i++) {
    const dt = ((times[i + 1] ?? p.endTime) - times[i]!) / 1000;
    if (dt > 0) self.set(p.samples[i]!, (self.get(p.samples[i]!) ?? 0) + dt);
  }

  const ourModule = (id: number): string | undefined => {
    const m = /\/dist\/src\/(.+)\.js$/.exec(byId.get(id)!.callFrame.url);
    return m?.[1];
  };
  const inclusive = new Map<string, number>();
  for (let i = 0; i < p.samples.length; i++) {
    const dt = ((times[i + 1] ?? p.endTime) - times[i]!) / 1000;
    const seen = new Set<string>();
    for (let id: number | undefined = p.samples[i]!; id !== undefined; id = parent.get(id)) {
      const m = ourModule(id);
      if (m && !seen.has(m)) {
        seen.add(m);
        inclusive.set(m, (inclusive.get(m) ?? 0) + dt);
      }
    }
  }

  const areaCache = new Map<number, string>();
  const areaOf = (id: number): string => {
    const cached = areaCache.get(id);
    if (cached) return cached;
    const { functionName: fn, url } = byId.get(id)!.callFrame;
    let area: string;
    if (url) area = areaOfUrl(url, fn);
    else if (fn === '(idle)') area = 'idle';
    else if (fn === '(garbage collector)') area = 'GC';
    else if (fn === '(program)') area = 'V8/native (program)';
    else if (fn === 'parse' || fn === 'stringify') area = 'JSON';
    else if (SQLITE_NATIVE.has(fn)) area = 'better-sqlite3';
    else {
      // Another builtin: charged to the area of its caller.
      const up = parent.get(id);
      area = up === undefined ? 'other' : areaOf(up);
    }
    areaCache.set(id, area);
    return area;
  };

  const areas = new Map<string, number>();
  const fns = new Map<string, { fn: string; where: string; area: string; ms: number }>();
  for (const [id, ms] of self) {
    const area = areaOf(id);
    areas.set(area, (areas.get(area) ?? 0) + ms);
    if (area === 'idle') continue;
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    const where = url
      ? `${url.replace(/^file:\/\/.*?\/(node_modules|dist)\//, '$1/')}:${lineNumber + 1}`
      : '(native)';
    const key = `${functionName}@${where}`;
    const entry = fns.get(key) ?? { fn: functionName || '(anonymous)', where, area, ms: 0 };
    entry.ms += ms;
    fns.set(key, entry);
  }
  let stages: Map<string, number> | undefined;
  if (stageRules) {
    stages = new Map();
    const stageCache = new Map<number, string>();
    const stageOfNode = (leaf: number): string => {
      const cached = stageCache.get(leaf);
      if (cached) return cached;
      let stage: string | undefined;
      for (let id: number | undefined = leaf; id !== undefined && !stage; id = parent.get(id)) {
        const m = ourModule(id);
        if (m) stage = stageRules.ours(m);
      }
      for (let id: number | undefined = leaf; id !== undefined && !stage; id = parent.get(id))
        stage = stageRules.library(
          byId.get(id)!.callFrame.url,
          byId.get(id)!.callFrame.functionName,
        );
      stage ??= `(no code of ours on the stack) ${areaOf(leaf)}`;
      stageCache.set(leaf, stage);
      return stage;
    };
    for (const [id, ms] of self) {
      if (areaOf(id) === 'idle') continue;
      const stage = stageOfNode(id);
      stages.set(stage, (stages.get(stage) ?? 0) + ms);
    }
  }
  const totalMs = (p.endTime - p.startTime) / 1000;
  const busyMs = totalMs - (areas.get('idle') ?? 0);
  const pct = (ms: number) => Math.round((1000 * ms) / busyMs) / 10;
  return {
    file,
    totalMs: Math.round(totalMs),
    busyMs: Math.round(busyMs),
    areas: [...areas]
      .filter(([area]) => area !== 'idle')
      .sort((a, b) => b[1] - a[1])
      .map(([area, ms]) => ({ area, ms: Math.round(ms), pct: pct(ms) })),
    top: [...fns.values()]
      .sort((a, b) => b.ms - a.ms)
      .slice(0, topN)
      .map((f) => ({ ...f, ms: Math.round(f.ms), pct: pct(f.ms) })),
    ourModules: [...inclusive]
      .sort((a, b) => b[1] - a[1])
      .slice(0, topN)
      .map(([module, ms]) => ({ module, ms: Math.round(ms), pct: pct(ms) })),
    ...(stages
      ? {
          stages: [...stages]
            .sort((a, b) => b[1] - a[1])
            .map(([stage, ms]) => ({ stage, ms: Math.round(ms), pct: pct(ms) })),
        }
      : {}),
  };
}

/**
 * Stages of the whole platform under the pipeline load: modules of ours
 * by what they do for a tick; libraries whose async continuations run with
 * none of our code on the stack by what they serve.
 */
export const pipelineStages: StageRules = {
  ours: pipelineStageOf,
  library: (url, fn) => {
    const pkg = packageOf(url);
    if (pkg?.startsWith('@hpke/'))
      return 'HPKE open (main-thread part; the rest runs in libuv threads)';
    // Kysely's continuations: told apart by how the statement got its connection.
    if (pkg === 'kysely') {
      if (fn === 'commitTransaction') return 'SQLite commits (CSE group commit)';
      if (url.endsWith('/single-connection-provider.js'))
        return 'SQLite statements in a transaction (CSE writes)';
      if (url.endsWith('/default-connection-provider.js'))
        return 'SQLite statements outside transactions (app database, CSE lookups)';
      return undefined;
    }
    if (pkg === 'undici') return 'undici, async (app → CSE requests, CSE → app notifications)';
    if (pkg === 'ws') return 'CSE notifications (outbox, dispatch, HTTP and WS send)';
    return undefined;
  },
};

function pipelineStageOf(module: string): string {
  const rules: Array<[RegExp, string]> = [
    [/^crypto\/hpke$/, 'HPKE open (main-thread part; the rest runs in libuv threads)'],
    [/^app-server\/pipeline\/open$/, 'open & verify (envelope, schemas, replay guard)'],
    [/^(app-server\/clinical\/(news2|plausibility)|protocol\/news2-chart)$/, 'NEWS2'],
    [/^app-server\/clinical\//, 'FHIR mapping'],
    [/^app-server\/privacy\/(label|rules)$/, 'labelling'],
    [/^app-server\/privacy\//, 'redaction (six versions)'],
    [/^crypto\/(versions|aead|encoding)$/, 'AES-256-GCM seal of six versions'],
    [/^app-server\/keyring\//, 'keyring (a data key per version)'],
    [/^app-server\/pipeline\/publish$/, 'publish (version creates, app side)'],
    [/^core\/m2m\//, 'M2M client (app server → CSE over HTTP, client side)'],
    [/^app-server\/(pipeline|devices|audit|api)\//, 'pipeline glue, notify route, app database'],
    [/^service-layer\/cse\/notify\//, 'CSE notifications (outbox, dispatch, HTTP and WS send)'],
    [/^service-layer\//, 'CSE request handling (binding, access control, store)'],
    [/^core\/db\//, 'database layer (SQLite statements, group commit)'],
  ];
  for (const [re, stage] of rules) if (re.test(module)) return stage;
  return `other code of ours (${module})`;
}
