import { describe, expect, it } from 'vitest';
import { findingsOfOutcome } from './from-pipeline.js';

describe('findings of a pipeline outcome (merge point)', () => {
  it('makes a news2 finding from the CL and score, news2 alone assessed', () => {
    expect(findingsOfOutcome({ status: 'published', cl: 'high', score: 8 })).toEqual({
      findings: [{ rule: 'news2', cl: 'high', text: 'NEWS2 8' }],
      assessed: ['news2'],
    });
    // A low NEWS2 is still a finding: its absence of alert is what calms an open one.
    expect(findingsOfOutcome({ status: 'published', cl: 'low', score: 0 })?.findings).toEqual([
      { rule: 'news2', cl: 'low', text: 'NEWS2 0' },
    ]);
  });

  it('feeds nothing for a rejected reading or an unknown CL', () => {
    expect(findingsOfOutcome({ status: 'rejected' })).toBeUndefined();
    expect(findingsOfOutcome({ status: 'published', cl: 'severe', score: 1 })).toBeUndefined();
  });

  it('takes the assessor’s findings as they are once the outcome carries them', () => {
    const findings = [{ rule: 'trend.respiratoryRate', cl: 'medium' as const, text: 'RR rising' }];
    expect(findingsOfOutcome({ status: 'published', cl: 'medium', score: 2, findings })).toEqual({
      findings,
      assessed: undefined,
    });
    const assessed = ['news2', 'stale-data', 'trend.respiratoryRate'];
    expect(
      findingsOfOutcome({ status: 'published', cl: 'medium', score: 2, findings, assessed }),
    ).toEqual({ findings, assessed });
  });
});
