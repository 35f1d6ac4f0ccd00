/**
 * The child side of a benchmark server process: it prints one JSON line
 * (its URL and whatever else the parent needs) on stdout, answers
 * { type: 'stats' } (memory and CPU time) over IPC, and shuts down cleanly on { type: 'stop' },
 * SIGTERM/SIGINT, or when the parent goes away (IPC disconnect), so a
 * crashed benchmark never leaves a server behind. A clean exit is also what
 * lets `node --cpu-prof` write its profile.
 */
export type ParentMessage = { type: 'stats' } | { type: 'stop' };
/** rss in bytes; cpu: process.cpuUsage() (µs of user and system time so far). */
export type ChildMessage = { type: 'stats'; rss: number; cpu: { user: number; system: number } };

export function serveAsChild(info: Record<string, unknown>, close: () => Promise<void>): void {
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
  process.on('message', (m: ParentMessage) => {
    if (m.type === 'stats') {
      const reply: ChildMessage = {
        type: 'stats',
        rss: process.memoryUsage().rss,
        cpu: process.cpuUsage(),
      };
      process.send?.(reply);
    } else if (m.type === 'stop') stop();
  });
  process.on('disconnect', stop);
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.stdout.write(`${JSON.stringify(info)}\n`);
}
