import type { Criticality } from '../../../protocol/levels.js';
import { CRITICALITY_LABEL } from '../records/view.js';

/**
 * The ward dashboard's order (issue 5 item 6): criticality first (high at
 * the top), then the NEWS2 score (highest first) for readers whose version
 * carries it, then the time of the latest reading (newest first), then the
 * patient id so equal rows never swap places between renders. A patient
 * without a readable version sorts below every patient with one.
 */
export interface WardRow {
  pt: string;
  cl?: Criticality;
  /** The NEWS2 total, only if the reader's version carries it. */
  news2?: number;
  /** Time of the latest reading, ms since the epoch. */
  at?: number;
}

const CL_RANK: Record<Criticality, number> = { high: 3, medium: 2, 'low-medium': 1, low: 0 };

/** Descending, with a missing value below any present one. */
const desc = (a: number | undefined, b: number | undefined) =>
  a === undefined ? (b === undefined ? 0 : 1) : b === undefined ? -1 : b - a;

export function compareWardRows(a: WardRow, b: WardRow): number {
  return (
    desc(a.cl && CL_RANK[a.cl], b.cl && CL_RANK[b.cl]) ||
    desc(a.news2, b.news2) ||
    desc(a.at, b.at) ||
    (a.pt < b.pt ? -1 : a.pt > b.pt ? 1 : 0)
  );
}

export function sortWard<T extends WardRow>(rows: readonly T[]): T[] {
  return [...rows].sort(compareWardRows);
}

/**
 * What to say, politely, when the order changed (WCAG 2.2 SC 4.1.3, status
 * messages): the patient that rose highest, its new place and why. Nothing
 * on the first listing, nor when only values changed in place.
 */
export function orderAnnouncement(
  before: readonly string[],
  after: readonly WardRow[],
): string | undefined {
  if (before.length === 0) return undefined;
  const index = new Map(before.map((pt, i) => [pt, i]));
  let rose: { row: WardRow; at: number; by: number } | undefined;
  after.forEach((row, at) => {
    const was = index.get(row.pt);
    const by = was === undefined ? 0 : was - at;
    if (by > 0 && (!rose || by > rose.by)) rose = { row, at, by };
  });
  if (!rose) return undefined;
  const { row, at } = rose;
  const why = [
    row.cl ? `criticality ${CRITICALITY_LABEL[row.cl].text}` : undefined,
    row.news2 === undefined ? undefined : `NEWS2 ${row.news2}`,
  ].filter(Boolean);
  return `${row.pt} moved up to ${at + 1} of ${after.length}${why.length ? `: ${why.join(', ')}` : ''}.`;
}
