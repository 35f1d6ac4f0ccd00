import { describe, expect, it } from 'vitest';
import { orderAnnouncement, sortWard, type WardRow } from './order.js';

const T = Date.parse('2026-12-03T09:00:00Z');
const order = (rows: WardRow[]) => sortWard(rows).map((r) => r.pt);

describe('the ward dashboard’s order', () => {
  it('puts the highest criticality first, whatever the scores', () => {
    expect(
      order([
        { pt: 'pt-a', cl: 'low', news2: 4, at: T },
        { pt: 'pt-b', cl: 'high', news2: 7, at: T - 60_000 },
        { pt: 'pt-c', cl: 'low-medium', news2: 3, at: T },
        { pt: 'pt-d', cl: 'medium', news2: 5, at: T },
      ]),
    ).toEqual(['pt-b', 'pt-d', 'pt-c', 'pt-a']);
  });

  it('then the NEWS2 score, highest first, a score the reader cannot see below any score', () => {
    expect(
      order([
        { pt: 'pt-a', cl: 'medium', news2: 5, at: T },
        { pt: 'pt-b', cl: 'medium', at: T + 1000 },
        { pt: 'pt-c', cl: 'medium', news2: 6, at: T - 5000 },
      ]),
    ).toEqual(['pt-c', 'pt-a', 'pt-b']);
  });

  it('then the newest reading, then the id; a patient with nothing readable last', () => {
    expect(
      order([
        { pt: 'pt-d' },
        { pt: 'pt-c', cl: 'low', news2: 1, at: T },
        { pt: 'pt-b', cl: 'low', news2: 1, at: T + 1000 },
        { pt: 'pt-a', cl: 'low', news2: 1, at: T },
      ]),
    ).toEqual(['pt-b', 'pt-a', 'pt-c', 'pt-d']);
  });

  it('does not change the rows it sorts', () => {
    const rows: WardRow[] = [{ pt: 'pt-b' }, { pt: 'pt-a' }];
    sortWard(rows);
    expect(rows.map((r) => r.pt)).toEqual(['pt-b', 'pt-a']);
  });
});

describe('announcing a change of order', () => {
  const septic: WardRow = { pt: 'pt-0002', cl: 'high', news2: 9, at: T };
  const well: WardRow = { pt: 'pt-0001', cl: 'low', news2: 1, at: T };

  it('names the patient that rose highest, its place and why', () => {
    expect(orderAnnouncement(['pt-0001', 'pt-0002'], [septic, well])).toBe(
      'pt-0002 moved up to 1 of 2: criticality High, NEWS2 9.',
    );
    expect(orderAnnouncement(['pt-0001', 'pt-0002'], [{ pt: 'pt-0002', cl: 'high' }, well])).toBe(
      'pt-0002 moved up to 1 of 2: criticality High.',
    );
  });

  it('says nothing on the first listing or when the order stayed', () => {
    expect(orderAnnouncement([], [septic, well])).toBeUndefined();
    expect(orderAnnouncement(['pt-0002', 'pt-0001'], [septic, well])).toBeUndefined();
  });
});
