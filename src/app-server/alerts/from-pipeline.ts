import { CRITICALITY, type Criticality } from '../../protocol/levels.js';
import type { Finding } from '../clinical/finding.js';

/**
 * MERGE POINT (issue 5): until the assessment rules (clinical/, another
 * branch) hand the alert engine their findings, the engine is fed from what
 * the pipeline already returns for a published reading: its NEWS2 CL and
 * score, as one finding of rule `news2`. When the assessor merges, replace
 * this function's use in app-server.ts with its findings (and the list of
 * rules it evaluated, for the hysteresis).
 */
export function findingsOfOutcome(outcome: {
  status: string;
  cl?: string;
  score?: number;
}): { findings: Finding[]; assessed: string[] } | undefined {
  if (outcome.status !== 'published' || !isCriticality(outcome.cl)) return undefined;
  return {
    findings: [{ rule: 'news2', cl: outcome.cl, text: `NEWS2 ${outcome.score ?? '?'}` }],
    assessed: ['news2'],
  };
}

function isCriticality(x: unknown): x is Criticality {
  return typeof x === 'string' && (CRITICALITY as readonly string[]).includes(x);
}
