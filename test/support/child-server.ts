import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The platform running in a child process (test/support/start-server.ts). */
export interface ChildServer {
  /** Base URL, e.g. http://127.0.0.1:41234 */
  url: string;
  pid: number;
  /** Sends `signal` (default SIGKILL, i.e. kill -9) and resolves once the child has exited. */
  kill(signal?: NodeJS.Signals): Promise<number | null>;
  /** Resolves when the child exits: its exit code, or null when a signal ended it. */
  exited: Promise<number | null>;
  /** What the child wrote to stderr so far, for diagnostics. */
  stderr(): string;
}

export interface ChildServerOptions {
  /** How long to wait for the URL line (the child compiles TypeScript on start). */
  startTimeoutMs?: number;
}

const LAUNCHER = fileURLToPath(new URL('./start-server.ts', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MAX_STDERR = 64 * 1024;

const live = new Set<ChildProcess>();

// Whatever happens to the test, no server outlives the test process.
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** SIGKILLs every child server still running (for afterAll). */
export async function killAllChildServers(): Promise<void> {
  await Promise.all(
    [...live].map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGKILL');
        }),
    ),
  );
}

/**
 * Starts the platform in a child process (`node --import tsx
 * test/support/start-server.ts`) and resolves once it listens. `env` is laid
 * over this process's environment without its DATABASE_URL and TUTELA_*
 * variables, so the child gets exactly the configuration the test names (a
 * key set to undefined is left out). Rejects, with the child's stderr, if it
 * exits or stays silent for `startTimeoutMs`.
 */
export function startChildServer(
  env: Record<string, string | undefined>,
  opts: ChildServerOptions = {},
): Promise<ChildServer> {
  const startTimeoutMs = opts.startTimeoutMs ?? 30_000;
  const childEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined || k === 'DATABASE_URL' || k.startsWith('TUTELA_')) continue;
    childEnv[k] = v;
  }
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete childEnv[k];
    else childEnv[k] = v;
  }

  const child = spawn(process.execPath, ['--import', 'tsx', LAUNCHER], {
    cwd: REPO_ROOT,
    env: childEnv,
    // stdin stays an open pipe: the child exits when it closes (this process died).
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  live.add(child);

  let stderr = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => {
    if (stderr.length < MAX_STDERR) stderr += chunk;
  });
  child.stdin!.on('error', () => undefined);

  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      live.delete(child);
      resolve(code);
    });
  });
  const kill = async (signal: NodeJS.Signals = 'SIGKILL') => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    return exited;
  };

  return new Promise<ChildServer>((resolve, reject) => {
    let stdout = '';
    let settled = false;
    const fail = (why: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void kill('SIGKILL').then(() =>
        reject(new Error(`child server ${why}; stderr:\n${stderr || '(empty)'}`)),
      );
    };
    const timer = setTimeout(
      () => fail(`printed no URL within ${startTimeoutMs} ms`),
      startTimeoutMs,
    );
    child.once('error', (err) => fail(`could not be spawned: ${err.message}`));
    void exited.then((code) => fail(`exited (code ${code}) before listening`));
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (chunk: string) => {
      if (settled) return;
      stdout += chunk;
      const nl = stdout.indexOf('\n');
      if (nl < 0) return;
      let url: unknown;
      try {
        url = (JSON.parse(stdout.slice(0, nl)) as { url?: unknown }).url;
      } catch {
        url = undefined;
      }
      if (typeof url !== 'string') return fail(`printed no URL but: ${stdout.slice(0, nl)}`);
      settled = true;
      clearTimeout(timer);
      // Keep draining stdout so the child never blocks on a full pipe.
      child.stdout!.resume();
      resolve({ url, pid: child.pid!, kill, exited, stderr: () => stderr });
    });
  });
}
