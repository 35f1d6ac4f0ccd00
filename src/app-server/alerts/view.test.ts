import { describe, expect, it } from 'vitest';
import { CONFIDENTIALITY, type Confidentiality } from '../../protocol/levels.js';
import { alertView, seesFinding, type AlertFacts } from './view.js';

const facts: AlertFacts = {
  id: 'al-1',
  pt: 'pt-1',
  rule: 'news2',
  cl: 'high',
  state: 'acknowledged',
  step: 0,
  nextEscalationAt: null,
  raisedAt: 1000,
  lastSeenAt: 2000,
  recovering: false,
  acknowledgedAt: 1500,
  acknowledgedBy: 'doc',
  resolvedAt: null,
  resolvedBy: null,
  supersededBy: null,
  text: 'NEWS2 9: respiratory rate 29/min',
  alerted: ['responder', 'doctor'],
};

/** Every AL, and none (admin, dpo): N and above see the finding, the others only that there is one. */
const expected: Array<[Confidentiality | null, 'full' | 'minimal']> = [
  ['U', 'minimal'],
  ['L', 'minimal'],
  ['M', 'minimal'],
  ['N', 'full'],
  ['R', 'full'],
  ['V', 'full'],
  [null, 'minimal'],
];

describe('who sees what of an alert (alertView)', () => {
  it('covers every AL of the scale', () => {
    expect(expected.map(([al]) => al).filter((x) => x !== null)).toEqual([...CONFIDENTIALITY]);
  });

  it.each(expected)('AL %s sees the %s view', (al, view) => {
    const v = alertView(al, facts);
    expect(v.view).toBe(view);
    expect(seesFinding(al)).toBe(view === 'full');
    // Everyone learns the CL, the state and who was alerted.
    expect(v).toMatchObject({ id: 'al-1', pt: 'pt-1', cl: 'high', state: 'acknowledged' });
    expect(v.alerted).toEqual(['responder', 'doctor']);
    const json = JSON.stringify(v);
    if (view === 'full') {
      expect(v).toMatchObject({ rule: 'news2', text: facts.text, acknowledgedBy: 'doc' });
    } else {
      // Never the values, the sentence, the rule, or who handled it.
      expect(json).not.toContain('NEWS2');
      expect(json).not.toContain('29');
      expect(json).not.toContain('news2');
      expect(json).not.toContain('doc"');
      expect(v).not.toHaveProperty('text');
      expect(v).not.toHaveProperty('rule');
      expect(v).toMatchObject({
        summary: 'A high alert was raised; the responder and doctor were alerted.',
      });
    }
  });

  it('says so when nobody could be alerted, and when it is resolved', () => {
    const v = alertView('L', { ...facts, alerted: [], state: 'resolved', resolvedAt: 3000 });
    expect(v).toMatchObject({
      summary: 'A high alert was raised; nobody could be alerted yet. It is resolved.',
    });
    expect(alertView('L', { ...facts, alerted: ['nurse'] })).toMatchObject({
      summary: 'A high alert was raised; the nurse was alerted.',
    });
  });
});
