import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Everything the benchmark must undo (child processes, temp dirs, PostgreSQL
 * schemas), undone in reverse order on success, on error and on Ctrl+C.
 */
interface Action {
  name: string;
  run: () => Promise<void> | void;
  /** Best effort when the process is exiting and nothing async can run any more. */
  sync?: () => void;
}

const actions: Action[] = [];

/** Registers an undo action; the returned function runs it early (once) and forgets it. */
export function onCleanup(action: Action): () => Promise<void> {
  actions.push(action);
  return async () => {
    const i = actions.indexOf(action);
    if (i < 0) return;
    actions.splice(i, 1);
    await action.run();
  };
}

/** Runs every pending action, newest first; a failing action does not stop the others. */
export async function cleanupAll(): Promise<void> {
  while (actions.length > 0) {
    const action = actions.pop()!;
    try {
      await action.run();
    } catch (err) {
      console.error(`[bench] cleanup of ${action.name} failed: ${(err as Error).message}`);
    }
  }
}

let installed = false;

/** Ctrl+C / SIGTERM clean up then exit; a hard exit still kills children and removes dirs. */
export function installCleanupHandlers(): void {
  if (installed) return;
  installed = true;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      console.error(`[bench] ${signal}: cleaning up`);
      void cleanupAll().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
    });
  }
  process.on('exit', () => {
    for (const action of actions.splice(0).reverse()) {
      try {
        action.sync?.();
      } catch {
        // exiting anyway
      }
    }
  });
}

/** A scratch dir, removed by `remove()` or at the latest when the benchmark exits. */
export function tempDir(prefix: string): { dir: string; remove: () => Promise<void> } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const rm = () => rmSync(dir, { recursive: true, force: true });
  return { dir, remove: onCleanup({ name: dir, run: rm, sync: rm }) };
}
