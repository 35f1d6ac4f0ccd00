import { describe, expect, it } from 'vitest';
import { PublishQueue, QueueClosedError } from './publish-queue.js';

/** A task that records its start and finishes when told to. */
function gate(log: string[], name: string) {
  let open!: () => void;
  const done = new Promise<void>((r) => (open = r));
  return {
    task: async () => {
      log.push(name);
      await done;
      return name;
    },
    open: () => open(),
  };
}

const settle = () => new Promise((r) => setImmediate(r));
const queue = (limit: number, more: Partial<ConstructorParameters<typeof PublishQueue>[0]> = {}) =>
  new PublishQueue({ limit, retryBaseMs: 10, retryMaxMs: 40, ...more });

describe('PublishQueue', () => {
  it('runs at most `limit` jobs at once and one per patient, in arrival order', async () => {
    const q = queue(2);
    const log: string[] = [];
    const a1 = gate(log, 'a1');
    const a2 = gate(log, 'a2');
    const b1 = gate(log, 'b1');
    const c1 = gate(log, 'c1');
    const results = [
      q.run('a', false, a1.task),
      q.run('a', false, a2.task),
      q.run('b', false, b1.task),
      q.run('c', false, c1.task),
    ];
    await settle();
    expect(log).toEqual(['a1', 'b1']); // a2 waits for a1 although a slot is free only for c
    a1.open();
    await settle();
    expect(log).toEqual(['a1', 'b1', 'c1']); // c became ready before a's second job
    b1.open();
    await settle();
    expect(log).toEqual(['a1', 'b1', 'c1', 'a2']);
    a2.open();
    c1.open();
    await expect(Promise.all(results)).resolves.toEqual(['a1', 'a2', 'b1', 'c1']);
  });

  it('serves a patient with an urgent job before every routine one, taking its earlier jobs along', async () => {
    const q = queue(1);
    const log: string[] = [];
    const [x1, a1, b1, c1, c2] = ['x1', 'a1', 'b1', 'c1', 'c2-urgent'].map((n) => gate(log, n));
    const jobs = [
      q.run('x', false, x1!.task),
      q.run('a', false, a1!.task),
      q.run('b', false, b1!.task),
      q.run('c', false, c1!.task),
      q.run('c', true, c2!.task),
    ];
    await settle();
    expect(log).toEqual(['x1']);
    x1!.open();
    await settle();
    // c's routine tick goes first (it must be published before the urgent one) ...
    expect(log).toEqual(['x1', 'c1']);
    c1!.open();
    await settle();
    // ... then c's urgent one, still ahead of a and b, who were waiting longer.
    expect(log).toEqual(['x1', 'c1', 'c2-urgent']);
    for (const g of [c2, a1, b1]) g!.open();
    await Promise.all(jobs);
    expect(log).toEqual(['x1', 'c1', 'c2-urgent', 'a1', 'b1']);
  });

  it('retries a failed job first in its line after a doubling pause; other patients go on meanwhile', async () => {
    const pauses: number[] = [];
    const q = queue(1, { onFailure: (_pt, _err, _n, pause) => pauses.push(pause) });
    const log: string[] = [];
    let tries = 0;
    const flaky = q.run('a', false, async () => {
      log.push(`a1 try ${++tries}`);
      if (tries < 4) throw new Error('CSE away');
      return 'a1';
    });
    const a2 = q.run('a', false, async () => (log.push('a2'), 'a2'));
    const b1 = q.run('b', false, async () => (log.push('b1'), 'b1'));
    await expect(Promise.all([flaky, a2, b1])).resolves.toEqual(['a1', 'a2', 'b1']);
    // b ran while a paused; a's second tick waited for its first, whatever it took.
    expect(log).toEqual(['a1 try 1', 'b1', 'a1 try 2', 'a1 try 3', 'a1 try 4', 'a2']);
    expect(pauses).toEqual([10, 20, 40]);
  });

  it('at close rejects what has not run, paused retries included; a running job finishes', async () => {
    const q = queue(1, { retryBaseMs: 60_000, retryMaxMs: 60_000 });
    const log: string[] = [];
    const paused = q.run('a', false, () => Promise.reject(new Error('CSE away')));
    await settle();
    const running = gate(log, 'b1');
    const b1 = q.run('b', false, running.task);
    const queued = q.run('c', true, async () => 'c1');
    await settle();
    expect(log).toEqual(['b1']);
    q.close();
    await expect(paused).rejects.toBeInstanceOf(QueueClosedError);
    await expect(queued).rejects.toBeInstanceOf(QueueClosedError);
    running.open();
    await expect(b1).resolves.toBe('b1');
    await expect(q.run('d', false, async () => 'd1')).rejects.toBeInstanceOf(QueueClosedError);
  });

  it('follows a new limit: more start at once when it grows; running jobs finish when it shrinks', async () => {
    const q = queue(1);
    const log: string[] = [];
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((n) => gate(log, n));
    const jobs = [a, b, c, d].map((g, i) => q.run(`p${i}`, false, g!.task));
    await settle();
    expect(log).toEqual(['a']);
    q.setLimit(3);
    await settle();
    expect(log).toEqual(['a', 'b', 'c']);
    q.setLimit(1);
    a!.open();
    b!.open();
    await settle();
    expect(log).toEqual(['a', 'b', 'c']); // c still runs: d waits until it is alone
    c!.open();
    await settle();
    expect(log).toEqual(['a', 'b', 'c', 'd']);
    d!.open();
    await Promise.all(jobs);
    expect(() => q.setLimit(0)).toThrow(RangeError);
  });

  it('refuses a limit below one', () => {
    expect(() => queue(0)).toThrow(RangeError);
  });
});
