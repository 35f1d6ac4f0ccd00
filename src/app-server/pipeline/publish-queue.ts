interface Job {
  urgent: boolean;
  task: () => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

interface PatientJobs {
  jobs: Job[];
  running: boolean;
  /** How many of `jobs` are urgent: one is enough to put the patient in the urgent line. */
  urgent: number;
  /** Failures in a row of the patient's first job: its pause doubles with each. */
  failures: number;
  /** Set while the patient waits to retry its first job. */
  paused?: NodeJS.Timeout;
}

export interface PublishQueueOptions {
  /** How many jobs run at once (at first: `setLimit` changes it). */
  limit: number;
  /** The pause after a job's first failure (ms); it doubles with each failure in a row, up to `retryMaxMs`. */
  retryBaseMs: number;
  retryMaxMs: number;
  /** Hears each failure before the pause (for the log). */
  onFailure?: (pt: string, err: unknown, failures: number, pauseMs: number) => void;
}

function checkedLimit(limit: number): number {
  if (!Number.isInteger(limit) || limit < 1)
    throw new RangeError('limit must be a positive integer');
  return limit;
}

/** Why a queued job settled without running: the queue was closed. */
export class QueueClosedError extends Error {
  constructor() {
    super('the publish queue is closed');
  }
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
 *
 * A job that fails (the CSE or the database away) is tried again, first in
 * its patient's line, after a pause that doubles with each failure in a
 * row: the patient's later jobs wait behind it (order holds), other
 * patients go on, and no slot is held while it pauses. Only `close()` ends
 * the retries: whatever has not run is rejected with QueueClosedError.
 */
export class PublishQueue {
  private readonly patients = new Map<string, PatientJobs>();
  private readonly urgentLine = new Set<string>();
  private readonly normalLine = new Set<string>();
  private running = 0;
  private closed = false;
  private limit: number;

  constructor(private readonly opts: PublishQueueOptions) {
    this.limit = checkedLimit(opts.limit);
  }

  /** Changes how many jobs run at once: more start now; beyond it, running jobs finish first. */
  setLimit(limit: number): void {
    this.limit = checkedLimit(limit);
    this.pump();
  }

  /** Queues `task` for patient `pt`; settles as the task finally succeeds, or at close. */
  run<T>(pt: string, urgent: boolean, task: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new QueueClosedError());
    return new Promise<T>((resolve, reject) => {
      let p = this.patients.get(pt);
      if (!p) this.patients.set(pt, (p = { jobs: [], running: false, urgent: 0, failures: 0 }));
      p.jobs.push({ urgent, task, resolve: resolve as (v: unknown) => void, reject });
      if (urgent) p.urgent++;
      if (!p.running && !p.paused) this.ready(pt, p);
      this.pump();
    });
  }

  /** Starts nothing more and rejects every job not running; jobs under way finish (or fail) once. */
  close(): void {
    this.closed = true;
    this.urgentLine.clear();
    this.normalLine.clear();
    for (const [pt, p] of this.patients) {
      clearTimeout(p.paused);
      for (const job of p.jobs.splice(0)) job.reject(new QueueClosedError());
      if (!p.running) this.patients.delete(pt);
    }
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
      Promise.resolve()
        .then(job.task)
        .then(
          (value) => {
            p.failures = 0;
            job.resolve(value);
          },
          (err: unknown) => this.failed(pt, p, job, err),
        )
        .finally(() => this.finished(pt, p));
    }
  }

  /** Puts the failed job back at the head of its patient's line and pauses the patient. */
  private failed(pt: string, p: PatientJobs, job: Job, err: unknown): void {
    if (this.closed) return job.reject(err);
    p.failures++;
    const pause = Math.min(this.opts.retryMaxMs, this.opts.retryBaseMs * 2 ** (p.failures - 1));
    this.opts.onFailure?.(pt, err, p.failures, pause);
    p.jobs.unshift(job);
    if (job.urgent) p.urgent++;
    p.paused = setTimeout(() => {
      p.paused = undefined;
      if (p.running) return; // finished() readies it
      this.ready(pt, p);
      this.pump();
    }, pause);
  }

  private finished(pt: string, p: PatientJobs): void {
    this.running--;
    p.running = false;
    if (this.closed) this.patients.delete(pt);
    else if (p.paused) return;
    else if (p.jobs.length > 0) this.ready(pt, p);
    else this.patients.delete(pt);
    this.pump();
  }
}
