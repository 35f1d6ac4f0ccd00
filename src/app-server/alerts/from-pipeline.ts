import { CRITICALITY, type Criticality } from '../../protocol/levels.js';
import type { Finding } from '../clinical/finding.js';

/**
 * MERGE POINT (issue 5): what the alert engine is fed after a published
 * reading. When the pipeline's Outcome carries the assessor's `findings`
 * (the assessment-rules branch adds the field), they are used as they are,
 * with the rules it says it evaluated (`assessed`; absent: every rule): a
 * rule evaluated that no longer fires (NEWS2 back to low, a trend gone,
 * data no longer stale, a probe back on) counts towards recovery. Until then, the outcome's NEWS2 CL and
 * score make one finding of rule `news2`. Findings that arise without a
 * reading (a staleness timer) go to `AlertEngine.observe` directly, naming
 * their own rule as the one assessed.
 */
export function findingsOfOutcome(outcome: {
  status: string;
  cl?: string;
  score?: number;
  findings?: readonly Finding[];
  assessed?: readonly string[];
}): { findings: readonly Finding[]; assessed: readonly string[] | undefined } | undefined {
  if (outcome.status !== 'published') return undefined;
  if (outcome.findings) return { findings: outcome.findings, assessed: outcome.assessed };
  if (!isCriticality(outcome.cl)) return undefined;
  return {
    findings: [{ rule: 'news2', cl: outcome.cl, text: `NEWS2 ${outcome.score ?? '?'}` }],
    assessed: ['news2'],
  };
}

function isCriticality(x: unknown): x is Criticality {
  return typeof x === 'string' && (CRITICALITY as readonly string[]).includes(x);
}
