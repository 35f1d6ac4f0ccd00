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
export function summariseProfile(file: string, topN = 25): ProfileSummary {
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
  };
}
