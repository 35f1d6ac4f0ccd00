import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { onCleanup } from './cleanup.js';
import type { ChildMessage, ParentMessage } from './child-protocol.js';

export interface ChildServer {
  pid: number;
  /** The JSON line the child printed at start-up (at least its url). */
  info: { url: string } & Record<string, unknown>;
  /** Resident set size (MB) and CPU time used so far (ms, user + system) of the child. */
  stats(): Promise<ChildStats>;
  /** Asks the child to close cleanly; kills it if it has not exited within 8 s. */
  stop(): Promise<void>;
  /** A named request the child answers (see serveAsChild's handlers). */
  ask<T>(name: string, payload?: unknown, timeoutMs?: number): Promise<T>;
}

export interface ChildStats {
  rssMb: number;
  cpuMs: number;
}

export interface StartChildOptions {
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Extra node flags, e.g. --cpu-prof. */
  execArgv?: string[];
  startTimeoutMs?: number;
}

/** Path of a compiled sibling script (dist/bench/<name>.js). */
export function benchScript(name: string): string {
  return fileURLToPath(new URL(`./${name}.js`, import.meta.url));
}

/** Starts `script` in its own process (so it gets a core of its own) and waits for its URL. */
export async function startChild(script: string, opts: StartChildOptions): Promise<ChildServer> {
  const child = spawn(process.execPath, [...(opts.execArgv ?? []), script], {
    cwd: opts.cwd,
    env: opts.env,
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const kill = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const msg: ParentMessage = { type: 'stop' };
    if (child.connected) child.send(msg);
    else child.kill('SIGTERM');
    const timer = setTimeout(kill, 8000);
    await exited;
    clearTimeout(timer);
  };
  const unregister = onCleanup({ name: `child ${child.pid}`, run: stop, sync: kill });

  const lines = createInterface({ input: child.stdout! });
  const info = await new Promise<ChildServer['info']>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`${script} did not start within ${opts.startTimeoutMs ?? 30_000} ms`));
    }, opts.startTimeoutMs ?? 30_000);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited during start-up (code ${code}, signal ${signal})`));
    });
    lines.once('line', (line) => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(line) as ChildServer['info']);
      } catch {
        reject(new Error(`${script} printed ${JSON.stringify(line)} instead of its JSON info`));
      }
    });
  }).catch(async (err: unknown) => {
    await unregister();
    throw err;
  });
  // Anything else the child prints goes to stderr: stdout is the report's.
  lines.on('line', (line) => console.error(`[child ${child.pid}] ${line}`));

  return {
    pid: child.pid!,
    info,
    stats: () => statsOf(child),
    stop: unregister,
    ask: <T>(name: string, payload?: unknown, timeoutMs?: number) =>
      askChild<T>(child, name, payload, timeoutMs),
  };
}

let asked = 0;

function askChild<T>(
  child: ReturnType<typeof spawn>,
  name: string,
  payload: unknown,
  timeoutMs = 60_000,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    if (!child.connected) return reject(new Error(`child ${child.pid} has no IPC channel`));
    const id = ++asked;
    const timer = setTimeout(() => {
      child.off('message', onMessage);
      reject(new Error(`child ${child.pid} did not answer ${name} within ${timeoutMs} ms`));
    }, timeoutMs);
    const onMessage = (m: ChildMessage) => {
      if (m.type !== 'answer' || m.id !== id) return;
      clearTimeout(timer);
      child.off('message', onMessage);
      if (m.ok) resolve(m.value as T);
      else reject(new Error(`child ${child.pid}: ${name} failed: ${m.error}`));
    };
    child.on('message', onMessage);
    const msg: ParentMessage = { type: 'ask', id, name, payload: payload ?? null };
    child.send(msg);
  });
}

function statsOf(child: ReturnType<typeof spawn>): Promise<ChildStats> {
  return new Promise<ChildStats>((resolve, reject) => {
    if (!child.connected) return reject(new Error(`child ${child.pid} has no IPC channel`));
    const timer = setTimeout(() => {
      child.off('message', onMessage);
      reject(new Error(`child ${child.pid} did not report its stats`));
    }, 2000);
    const onMessage = (m: ChildMessage) => {
      if (m.type !== 'stats') return;
      clearTimeout(timer);
      child.off('message', onMessage);
      resolve({
        rssMb: Math.round(m.rss / 1024 / 102.4) / 10,
        cpuMs: (m.cpu.user + m.cpu.system) / 1000,
      });
    };
    child.on('message', onMessage);
    const msg: ParentMessage = { type: 'stats' };
    child.send(msg);
  });
}
