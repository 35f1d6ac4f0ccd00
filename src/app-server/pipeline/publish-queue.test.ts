import { describe, expect, it } from 'vitest';
import { PublishQueue } from './publish-queue.js';

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

describe('PublishQueue', () => {
  it('runs at most `limit` jobs at once and one per patient, in arrival order', async () => {
    const q = new PublishQueue(2);
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
    const q = new PublishQueue(1);
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

  it('passes a failure to its caller and goes on with the next job', async () => {
    const q = new PublishQueue(1);
    const failed = q.run('a', false, () => Promise.reject(new Error('CSE away')));
    const next = q.run('a', false, async () => 'next');
    await expect(failed).rejects.toThrow('CSE away');
    await expect(next).resolves.toBe('next');
  });

  it('refuses a limit below one', () => {
    expect(() => new PublishQueue(0)).toThrow(RangeError);
  });
});
