import { isActive, phaseAt, severityAt, type Episode, type EpisodeKind } from './episodes.js';
import { thingError } from './errors.js';

/** Episodes over for this long (simulated) are forgotten, so a long run does not grow without bound. */
const FORGET_AFTER_MS = 24 * 3_600_000;

const checkDuration = (ms: number, name: string) => {
  if (!(ms >= 0 && Number.isFinite(ms)))
    throw thingError.badRequest(`${name} must be a non-negative number`);
  return ms;
};
const checkPeak = (peak: number) => {
  if (!(peak > 0 && peak <= 1)) throw thingError.badRequest('peak must be in (0, 1]');
  return peak;
};

/**
 * One patient's episodes, past, present and scheduled, and the commands that
 * change them. At most one episode of a kind is under way at a time; a new
 * one may start while an earlier one still recovers (severities then take
 * the larger of the two).
 */
export class EpisodeLog {
  private list: Episode[] = [];

  /** Records an episode, e.g. a scheduled one; it takes effect from its start. */
  add(e: Omit<Episode, 'peak'> & { peak?: number }): Episode {
    const episode: Episode = {
      ...e,
      rampMs: checkDuration(e.rampMs, 'rampMs'),
      recoveryMs: checkDuration(e.recoveryMs, 'recoveryMs'),
      peak: checkPeak(e.peak ?? 1),
    };
    this.list.push(episode);
    return episode;
  }

  severity(kind: EpisodeKind, t: number): number {
    let s = 0;
    for (const e of this.list) if (e.kind === kind) s = Math.max(s, severityAt(e, t));
    return s;
  }

  start(kind: EpisodeKind, t: number, rampMs: number, peak?: number): Episode {
    if (this.list.some((e) => e.kind === kind && isActive(e, t)))
      throw thingError.conflict(`a ${kind} episode is already under way`);
    this.list = this.list.filter((e) => phaseAt(e, t - FORGET_AFTER_MS) !== 'over');
    return this.add({
      kind,
      start: t,
      rampMs,
      recoveryMs: rampMs,
      ...(peak !== undefined ? { peak } : {}),
    });
  }

  /** Starts recovery of the episodes under way at t (of one kind, or all). */
  end(kind: EpisodeKind | undefined, t: number, recoveryMs?: number): Episode[] {
    const ending = this.list.filter((e) => isActive(e, t) && (!kind || e.kind === kind));
    if (ending.length === 0)
      throw thingError.conflict(
        kind ? `no ${kind} episode is under way` : 'no episode is under way',
      );
    if (recoveryMs !== undefined) checkDuration(recoveryMs, 'recoveryMs');
    for (const e of ending) {
      e.end = t;
      if (recoveryMs !== undefined) e.recoveryMs = recoveryMs;
    }
    return ending;
  }

  /** Episodes scheduled, under way or recovering at t. */
  current(t: number): Episode[] {
    return this.list.filter((e) => phaseAt(e, t) !== 'over');
  }
}
