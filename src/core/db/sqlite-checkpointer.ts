import { createRequire } from 'node:module';
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import type SQLite from 'better-sqlite3';

// The worker is plain CommonJS so that it runs the same from TypeScript sources (tests) and the build.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 1000');
const tick = () => {
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch (err) { parentPort.postMessage(String(err && err.message)); }
};
const timer = setInterval(tick, workerData.intervalMs);
parentPort.on('message', () => { clearInterval(timer); tick(); db.close(); parentPort.close(); });
`;

export interface Checkpointer {
  readonly worker: Worker;
  close(): Promise<void>;
}

/**
 * WAL checkpoints off the event loop. SQLite's automatic checkpoint runs
 * inside whichever commit crosses 1,000 WAL pages: it copies pages into the
 * database file and fsyncs it while the event loop waits, two thirds of a
 * commit's cost when measured (docs/benchmarks.md). Here a worker thread
 * with its own connection runs PASSIVE checkpoints on a timer; writers never
 * wait for it, and durability is unchanged (a commit is durable once it is in
 * the WAL). If the worker dies, automatic checkpoints come back on: the WAL
 * must never grow without bound.
 */
export function startCheckpointer(raw: SQLite.Database, intervalMs = 100): Checkpointer {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { driver, file: raw.name, intervalMs },
  });
  worker.unref();
  raw.pragma('wal_autocheckpoint = 0');
  // A WAL file that grew under a burst is cut back once it has been checkpointed.
  raw.pragma(`journal_size_limit = ${64 * 1024 * 1024}`);
  let closing = false;
  const fallBack = (why: string) => {
    if (closing) return;
    closing = true;
    if (raw.open) raw.pragma('wal_autocheckpoint = 1000');
    process.emitWarning(`SQLite checkpoint worker stopped (${why}); checkpoints run inline again`);
  };
  worker.on('message', (m: string) => process.emitWarning(`SQLite checkpoint failed: ${m}`));
  worker.on('error', (err) => fallBack(err.message));
  worker.on('exit', (code) => fallBack(`exit code ${code}`));
  return {
    worker,
    async close() {
      if (closing) return;
      closing = true;
      const exited = once(worker, 'exit');
      worker.postMessage('close');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000).unref())]);
      await worker.terminate();
    },
  };
}
