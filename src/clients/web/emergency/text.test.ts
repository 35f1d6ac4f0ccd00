import { describe, expect, it } from 'vitest';
import type { Notice } from '../api/emergency.js';
import { checkOpenForm, endedBy, grantState, hhmm, newestFirst } from './text.js';

const grant = (over: Partial<Notice['grant']> = {}): Notice['grant'] => ({
  id: 'bg-1',
  by: 'dr-out',
  role: 'doctor',
  reason: 'collapsed',
  openedAt: 1_000,
  expiresAt: 10_000,
  closedAt: null,
  closedBy: null,
  ...over,
});

describe('break-the-glass texts', () => {
  it('tells whether a grant is open, and how it ended', () => {
    expect(grantState(grant(), 'patient-1', 5_000)).toEqual({ open: true, until: 10_000 });
    // Past its time before the server's sweep: ended by expiry.
    const late = grantState(grant(), 'patient-1', 10_000);
    expect(late).toMatchObject({ open: false, at: 10_000, by: 'expiry' });
    const cases: Array<[string, string, string]> = [
      ['expiry', 'patient-1', 'when its time was up'],
      ['patient-1', 'patient-1', 'by you'],
      ['dr-out', 'patient-1', 'by dr-out, who opened it'],
      ['patient-1', 'dpo', 'by the patient (patient-1)'],
    ];
    for (const [closedBy, me, words] of cases) {
      const s = grantState(grant({ closedAt: 7_000, closedBy }), me, 5_000);
      if (s.open) throw new Error('should be closed');
      expect(s.at).toBe(7_000);
      expect(endedBy(s)).toBe(words);
    }
  });

  it('checks the form: patient id, mandatory reason, 1 to 240 minutes', () => {
    expect(checkOpenForm({ pt: 'pt-0001', reason: 'why', minutes: '60' })).toEqual({});
    const bad = checkOpenForm({ pt: 'pt 1', reason: '   ', minutes: '241' });
    expect(Object.keys(bad).sort()).toEqual(['minutes', 'pt', 'reason']);
    expect(checkOpenForm({ pt: 'p', reason: 'x', minutes: '0' }).minutes).toBeDefined();
    expect(checkOpenForm({ pt: 'p', reason: 'x', minutes: '1.5' }).minutes).toBeDefined();
    expect(checkOpenForm({ pt: 'p', reason: 'x'.repeat(1001), minutes: '5' }).reason).toBeDefined();
  });

  it('formats HH:MM and sorts newest first', () => {
    const d = new Date(2026, 11, 3, 9, 5);
    expect(hhmm(d.getTime())).toBe('09:05');
    const n = (id: string, createdAt: number) => ({ id, createdAt }) as Notice;
    expect(newestFirst([n('a', 1), n('b', 3), n('c', 2)]).map((x) => x.id)).toEqual([
      'b',
      'c',
      'a',
    ]);
  });
});
