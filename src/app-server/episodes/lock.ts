/**
 * One change at a time per patient: invitations and removals of the same
 * patient run in order, so that the ACPs written to the CSE always follow
 * the latest participant list (two removals computing their ACPs from
 * overlapping reads could otherwise re-admit someone). In-process: the
 * embedded platform runs one application server; scale-out needs a
 * database advisory lock here (docs/episodes.md).
 */
export class PatientLocks {
  private readonly tails = new Map<string, Promise<unknown>>();

  async run<T>(pt: string, work: () => Promise<T>): Promise<T> {
    const before = this.tails.get(pt) ?? Promise.resolve();
    const mine = before.then(work, work);
    const tail = mine.catch(() => undefined);
    this.tails.set(pt, tail);
    try {
      return await mine;
    } finally {
      if (this.tails.get(pt) === tail) this.tails.delete(pt);
    }
  }
}

/** At most `limit` holders at a time; the others wait in arrival order. */
export class Semaphore {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly limit: number) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((r) => this.waiting.push(r));
    else this.active++;
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}
