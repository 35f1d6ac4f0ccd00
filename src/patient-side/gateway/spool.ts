import {
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  openSync,
  fsyncSync,
  closeSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { SealedReadingSchema, type SealedReading } from '../../protocol/envelope.js';
import { Rsc, TutelaError } from '../../core/errors.js';

const NAME = /^(\d{16})\.json$/;

/**
 * The gateway's durable outbox: sealed readings waiting for the service
 * layer, one file per reading, named by sequence number so that they leave
 * in the order they were measured. Every write is fsynced file-then-directory
 * before it counts, so a reading that was spooled survives a power cut.
 * Only sealed envelopes are written: nothing readable reaches the disk.
 *
 * The next sequence number is kept in `next-seq` and reserved (written and
 * fsynced) before a reading is sealed: after a crash no number is reused,
 * which the application server's replay check depends on.
 */
export class Spool {
  private readonly dir: string;
  private readonly seqFile: string;
  private pending: number[];

  constructor(root: string) {
    this.dir = join(root, 'spool');
    this.seqFile = join(root, 'next-seq');
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    // A crash between the temporary write and its rename leaves a .tmp: it was never acknowledged.
    for (const f of readdirSync(this.dir)) if (f.endsWith('.tmp')) rmSync(join(this.dir, f));
    this.pending = readdirSync(this.dir)
      .map((f) => NAME.exec(f)?.[1])
      .filter((s): s is string => s !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
  }

  /** Reserves the next sequence number (durably) and returns it. */
  reserveSeq(): number {
    let next = 1;
    try {
      next = Number(readFileSync(this.seqFile, 'utf8'));
    } catch {
      // First start: sequence numbers begin at 1.
    }
    if (!Number.isSafeInteger(next) || next < 1)
      throw new TutelaError(
        'spool_corrupt',
        Rsc.INTERNAL_SERVER_ERROR,
        `${this.seqFile} is not a sequence number`,
      );
    const last = this.pending.at(-1) ?? 0;
    const seq = Math.max(next, last + 1);
    this.writeDurably(this.seqFile, String(seq + 1));
    return seq;
  }

  append(sealed: SealedReading): void {
    this.writeDurably(this.file(sealed.seq), JSON.stringify(sealed));
    this.pending.push(sealed.seq);
  }

  /**
   * The oldest reading still to send. A damaged file (a disk fault) is moved
   * to spool/damaged/ and counted, so one bad sector never stops the
   * readings behind it.
   */
  oldest(): SealedReading | undefined {
    for (let seq = this.pending[0]; seq !== undefined; seq = this.pending[0]) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(readFileSync(this.file(seq), 'utf8'));
      } catch {
        parsed = undefined;
      }
      if (Value.Check(SealedReadingSchema, parsed) && parsed.seq === seq) return parsed;
      mkdirSync(join(this.dir, 'damaged'), { recursive: true, mode: 0o700 });
      renameSync(
        this.file(seq),
        join(this.dir, 'damaged', `${String(seq).padStart(16, '0')}.json`),
      );
      this.pending.shift();
      this.damaged++;
    }
    return undefined;
  }

  /** Spooled readings found damaged and set aside since this spool was opened. */
  damaged = 0;

  /** The service layer has it: forget it. */
  remove(seq: number): void {
    rmSync(this.file(seq), { force: true });
    this.pending = this.pending.filter((s) => s !== seq);
  }

  get size(): number {
    return this.pending.length;
  }

  private file(seq: number): string {
    return join(this.dir, `${String(seq).padStart(16, '0')}.json`);
  }

  private writeDurably(path: string, data: string): void {
    const tmp = `${path}.tmp`;
    writeFileSync(tmp, data, { mode: 0o600 });
    const fd = openSync(tmp, 'r');
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, path);
    const dirFd = openSync(join(path, '..'), 'r');
    fsyncSync(dirFd);
    closeSync(dirFd);
  }
}
