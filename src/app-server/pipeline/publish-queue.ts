interface Job {
  urgent: boolean;
  start: () => void;
}

interface PatientJobs {
  jobs: Job[];
  running: boolean;
  /** How many of `jobs` are urgent: one is enough to put the patient in the urgent line. */
  urgent: number;
}

/**
 * Runs the pipeline's heavy second half (label, redact, seal, publish) with
 * bounded concurrency, one job per patient at a time in arrival order (the
 * published order is the replay guard's), and patients with urgent work
 * first: a patient whose queue holds a tick of CL medium or high goes ahead
 * of every patient without one, taking its earlier ticks along (they must
 * be published before it). Within each line patients are served in the
 * order they became ready. Sets keep insertion order, so each line is a
 * FIFO with O(1) moves between them.
 */
export class PublishQueue {
  private readonly patients = new Map<string, PatientJobs>();
  private readonly urgentLine = new Set<string>();
  private readonly normalLine = new Set<string>();
  private running = 0;

  constructor(private readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1)
      throw new RangeError('limit must be a positive integer');
  }

  /** Queues `task` for patient `pt`; settles as the task does. */
  run<T>(pt: string, urgent: boolean, task: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let p = this.patients.get(pt);
      if (!p) this.patients.set(pt, (p = { jobs: [], running: false, urgent: 0 }));
      const state = p;
      state.jobs.push({
        urgent,
        start: () => {
          Promise.resolve()
            .then(task)
            .then(resolve, reject)
            .finally(() => this.finished(pt, state));
        },
      });
      if (urgent) state.urgent++;
      if (!state.running) this.ready(pt, state);
      this.pump();
    });
  }

  /** Puts a patient with queued jobs in the line its jobs call for (moving it up if needed). */
  private ready(pt: string, p: PatientJobs): void {
    if (p.urgent > 0) {
      this.normalLine.delete(pt);
      this.urgentLine.add(pt);
    } else if (!this.urgentLine.has(pt)) this.normalLine.add(pt);
  }

  private pump(): void {
    while (this.running < this.limit) {
      const line = this.urgentLine.size > 0 ? this.urgentLine : this.normalLine;
      const next = line.values().next();
      if (next.done) return;
      const pt = next.value;
      line.delete(pt);
      const p = this.patients.get(pt)!;
      const job = p.jobs.shift()!;
      if (job.urgent) p.urgent--;
      p.running = true;
      this.running++;
      job.start();
    }
  }

  private finished(pt: string, p: PatientJobs): void {
    this.running--;
    p.running = false;
    if (p.jobs.length > 0) this.ready(pt, p);
    else this.patients.delete(pt);
    this.pump();
  }
}
