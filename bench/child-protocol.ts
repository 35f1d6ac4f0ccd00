/**
 * The child side of a benchmark server process: it prints one JSON line
 * (its URL and whatever else the parent needs) on stdout, answers
 * { type: 'stats' } (memory and CPU time) over IPC, and shuts down cleanly on { type: 'stop' },
 * SIGTERM/SIGINT, or when the parent goes away (IPC disconnect), so a
 * crashed benchmark never leaves a server behind. A clean exit is also what
 * lets `node --cpu-prof` write its profile. A child may also answer named
 * requests ({ type: 'ask' }, see `handlers`), e.g. to provision patients.
 */
export type ParentMessage =
  | { type: 'stats' }
  | { type: 'stop' }
  | { type: 'ask'; id: number; name: string; payload: unknown };
/** rss in bytes; cpu: process.cpuUsage() (µs of user and system time so far). */
export type ChildMessage =
  | { type: 'stats'; rss: number; cpu: { user: number; system: number } }
  | { type: 'answer'; id: number; ok: true; value: unknown }
  | { type: 'answer'; id: number; ok: false; error: string };

/** Named requests a child answers over IPC: the value goes back to the parent's `ask`. */
export type AskHandlers = Record<string, (payload: unknown) => Promise<unknown>>;

export function serveAsChild(
  info: Record<string, unknown>,
  close: () => Promise<void>,
  handlers: AskHandlers = {},
): void {
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    // A server that cannot close in time is not worth waiting for.
    setTimeout(() => process.exit(0), 5000).unref();
    close().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error('[bench child] close failed:', (err as Error).message);
        process.exit(1);
      },
    );
  };
  const reply = (m: ChildMessage) => process.send?.(m);
  process.on('message', (m: ParentMessage) => {
    if (m.type === 'stats') {
      reply({ type: 'stats', rss: process.memoryUsage().rss, cpu: process.cpuUsage() });
    } else if (m.type === 'stop') stop();
    else if (m.type === 'ask') {
      const handler = handlers[m.name];
      if (!handler) {
        reply({ type: 'answer', id: m.id, ok: false, error: `no handler for ${m.name}` });
        return;
      }
      handler(m.payload).then(
        (value) => reply({ type: 'answer', id: m.id, ok: true, value }),
        (err: unknown) =>
          reply({ type: 'answer', id: m.id, ok: false, error: (err as Error).message }),
      );
    }
  });
  process.on('disconnect', stop);
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.stdout.write(`${JSON.stringify(info)}\n`);
}
