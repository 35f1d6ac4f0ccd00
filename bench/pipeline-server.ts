/**
 * The whole platform (CSE, application server and its monitoring pipeline)
 * in a child process of bench/run.ts, over plain HTTP, SQLite in a temp dir,
 * no demo ward. It prints its URL and the application server's public HPKE
 * key (and key id); the gateways' public keys come over IPC ('provision'),
 * and the caregivers' API tokens go back the same way: no secret is ever
 * written to a file or passed in the environment. The parent passes config
 * overrides (dataDir) as JSON in BENCH_PIPELINE_OVERRIDES.
 */
import { sql } from 'kysely';
import type { Role } from '../src/app-server/directory/roles.js';
import { patientPaths } from '../src/app-server/layout/patient-layout.js';
import { loadConfig } from '../src/core/config/index.js';
import { silentLogger } from '../src/core/log.js';
import { fromBase64url, toBase64url } from '../src/crypto/encoding.js';
import { startPlatform } from '../src/platform/server.js';
import { CONFIDENTIALITY } from '../src/protocol/levels.js';
import { serveAsChild } from './child-protocol.js';
import { instrumentSqlite } from './sql-stats.js';

export interface ProvisionRequest {
  /** People to add (once) and put in every patient's care team (unless the patient names its own). */
  team: Array<{ id: string; role: Role }>;
  /**
   * Patients, each with one gateway and its public key (base64url of 32 bytes),
   * and optionally its own care team (ids among `team`): a CSE access control
   * policy holds at most 1,024 originators, so 10,000 caregivers need several patients.
   */
  patients: Array<{ pt: string; dev: string; publicKey: string; team?: string[] }>;
}

export interface ProvisionAnswer {
  /** API token of each new person (base64url), for the benchmark's caregiver clients. */
  tokens: Record<string, string>;
  ms: number;
}

export interface CountsAnswer {
  /** Readings the pipeline rejected (audited as reading.reject). */
  rejected: number;
  /** Readings accepted: the sum of each gateway's last accepted sequence number (they start at 1). */
  accepted: number;
  /** Content instances in every patient's rl-<k> containers, and in the alert-<k> ones. */
  versions: number;
  alerts: number;
}

/** process.memoryUsage() after a full GC when the child runs with --expose-gc (bench/sockets.ts). */
export interface MemoryAnswer {
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  gc: boolean;
}

/** Main-thread busy time so far (performance.eventLoopUtilization, ms). */
export interface EluAnswer {
  activeMs: number;
  idleMs: number;
}

const overrides = JSON.parse(process.env.BENCH_PIPELINE_OVERRIDES ?? '{}') as Record<
  string,
  unknown
>;
const config = loadConfig(process.env, {
  ...overrides,
  port: 0,
  tls: { enabled: false },
  logLevel: 'silent',
  app: { enabled: true },
  demo: { enabled: false },
  // The benchmark's caregivers sign in with directory API tokens (no browser sign-in per run);
  // the application server's own CSE writes carry its client-credentials token as in production.
  auth: { apiTokens: true },
});
const sqlStats = instrumentSqlite();
const platform = await startPlatform(config, silentLogger);
const app = platform.appServer;
if (!app) throw new Error('the application server did not start');
const known = new Set<string>();

async function provision(payload: unknown): Promise<ProvisionAnswer> {
  const req = payload as ProvisionRequest;
  const started = performance.now();
  const tokens: Record<string, string> = {};
  for (const m of req.team) {
    if (known.has(m.id)) continue;
    tokens[m.id] = await app!.directory.addUser(m.id, m.role);
    known.add(m.id);
  }
  const team = req.team.map((m) => m.id);
  // A few at a time: each is ~30 sequential CSE requests from the application server.
  const queue = [...req.patients];
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      for (let p = queue.shift(); p; p = queue.shift())
        await app!.provision({
          pt: p.pt,
          gateway: { dev: p.dev, publicKey: fromBase64url(p.publicKey) },
          team: p.team ?? team,
        });
    }),
  );
  return { tokens, ms: performance.now() - started };
}

async function counts(payload: unknown): Promise<CountsAnswer> {
  const pts = payload as string[];
  const db = app!.database.db;
  const rejected = await db
    .selectFrom('audit')
    .select(sql<number>`count(*)`.as('n'))
    .where('action', '=', 'reading.reject')
    .executeTakeFirstOrThrow();
  const accepted = await db
    .selectFrom('reading_seq')
    .select(sql<number>`coalesce(sum(last_seq), 0)`.as('n'))
    .executeTakeFirstOrThrow();
  let versions = 0;
  let alerts = 0;
  const cni = async (path: string) =>
    Number(((await app!.cseClient.retrieve(path))['m2m:cnt'] as { cni?: number }).cni ?? 0);
  for (const pt of pts) {
    const paths = patientPaths(config.cse.rn, pt);
    for (const rl of CONFIDENTIALITY) {
      versions += await cni(paths.rl(rl));
      alerts += await cni(paths.alert(rl));
    }
  }
  return { rejected: Number(rejected.n), accepted: Number(accepted.n), versions, alerts };
}

serveAsChild(
  {
    url: platform.url,
    cse: config.cse.rn,
    kid: app.appKey.kid,
    appPublicKey: toBase64url(app.appKey.pair.publicRaw),
  },
  () => platform.close(),
  {
    provision,
    counts,
    sql: () => Promise.resolve(sqlStats()),
    memory: () => {
      const gc = (globalThis as { gc?: () => void }).gc;
      gc?.();
      const m = process.memoryUsage();
      return Promise.resolve({
        rss: m.rss,
        heapUsed: m.heapUsed,
        external: m.external,
        arrayBuffers: m.arrayBuffers,
        gc: gc !== undefined,
      } satisfies MemoryAnswer);
    },
    elu: () => {
      const { active, idle } = performance.eventLoopUtilization();
      return Promise.resolve({ activeMs: active, idleMs: idle } satisfies EluAnswer);
    },
  },
);
