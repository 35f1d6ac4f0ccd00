import { describe, expect, it } from 'vitest';
import { PatientLocks, Semaphore } from './lock.js';

const tick = () => new Promise((r) => setTimeout(r, 5));

describe('PatientLocks', () => {
  it('runs one patient’s work one at a time, in order, through failures', async () => {
    const locks = new PatientLocks();
    const log: string[] = [];
    const job = (name: string, fail = false) =>
      locks.run('pt-1', async () => {
        log.push(`${name}:start`);
        await tick();
        log.push(`${name}:end`);
        if (fail) throw new Error(name);
        return name;
      });
    const results = await Promise.allSettled([job('a'), job('b', true), job('c')]);
    expect(log).toEqual(['a:start', 'a:end', 'b:start', 'b:end', 'c:start', 'c:end']);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
  });

  it('lets different patients run side by side', async () => {
    const locks = new PatientLocks();
    const log: string[] = [];
    const job = (pt: string) =>
      locks.run(pt, async () => {
        log.push(`${pt}:start`);
        await tick();
        log.push(`${pt}:end`);
      });
    await Promise.all([job('pt-1'), job('pt-2')]);
    expect(log.slice(0, 2).sort()).toEqual(['pt-1:start', 'pt-2:start']);
  });
});

describe('Semaphore', () => {
  it('admits at most its limit at once, the rest in order, through failures', async () => {
    const sem = new Semaphore(2);
    let now = 0;
    let peak = 0;
    const order: number[] = [];
    const job = (i: number) =>
      sem.run(async () => {
        peak = Math.max(peak, ++now);
        order.push(i);
        await tick();
        now--;
        if (i === 1) throw new Error('x');
      });
    const results = await Promise.allSettled([0, 1, 2, 3, 4].map(job));
    expect(peak).toBe(2);
    expect(order).toEqual([0, 1, 2, 3, 4]);
    expect(results.filter((r) => r.status === 'rejected')).toHaveLength(1);
  });
});
