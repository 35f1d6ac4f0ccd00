import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { benchScript, startChild } from './child.js';
import { tempDir } from './cleanup.js';
import { saturate, type SaturationResult } from './load.js';
import { cinBody, createHeaders, sealedReading } from './m2m.js';

/**
 * What the hardware and runtime give before any CSE code runs: a bare
 * node:http server in its own process under the same autocannon load as the
 * CSE (a tiny JSON answer to the same ~300-byte POST), then SQLite inserts.
 */
export async function httpBaseline(opts: {
  seconds: number;
  warmupSeconds: number;
  connections: number;
}): Promise<SaturationResult & { cpuUsPerReq: number }> {
  const scratch = tempDir('tutela-bench-http-');
  const server = await startChild(benchScript('http-server'), {
    cwd: scratch.dir,
    env: process.env,
  });
  try {
    const load = {
      url: `${server.info.url}/`,
      connections: opts.connections,
      headers: createHeaders(4),
      body: cinBody(sealedReading()),
    };
    if (opts.warmupSeconds > 0) await saturate({ ...load, seconds: opts.warmupSeconds });
    const before = await server.stats();
    const result = await saturate({ ...load, seconds: opts.seconds });
    const cpuMs = (await server.stats()).cpuMs - before.cpuMs;
    return { ...result, cpuUsPerReq: result.ok > 0 ? (1000 * cpuMs) / result.ok : NaN };
  } finally {
    await server.stop();
    await scratch.remove();
  }
}

/**
 * Raw better-sqlite3 in this process: one autocommit INSERT per row into a
 * fresh WAL file (synchronous=NORMAL, the CSE's default), rows shaped like a
 * contentInstance (random text id as primary key, unique text path, ~300-byte
 * payload), in a tight loop for `seconds`.
 */
export function dbBaseline(seconds: number): { insertsPerSec: number; rows: number } {
  const scratch = tempDir('tutela-bench-db-');
  const db = new SQLite(join(scratch.dir, 'baseline.sqlite'));
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.exec(
      'CREATE TABLE cin (id TEXT PRIMARY KEY, path TEXT NOT NULL UNIQUE, payload TEXT NOT NULL)',
    );
    const insert = db.prepare('INSERT INTO cin (id, path, payload) VALUES (?, ?, ?)');
    const payload = sealedReading();
    // Cheap pseudo-random ids (like the CSE's random resource ids, they land all over the index).
    let rows = 0;
    let x = 0x2545f491;
    const nextId = () => {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      return `4-${(x >>> 0).toString(36)}${(++rows).toString(36)}`;
    };
    const start = performance.now();
    const end = start + seconds * 1000;
    let now = start;
    while (now < end) {
      for (let i = 0; i < 64; i++) {
        const id = nextId();
        insert.run(id, `cse-in/bench/vitals/${id}`, payload);
      }
      now = performance.now();
    }
    return { insertsPerSec: (rows * 1000) / (now - start), rows };
  } finally {
    db.close();
    void scratch.remove();
  }
}
