import type { SealedVersion } from '../../../protocol/envelope.js';
import type { CseAnswer } from '../records/cse.js';
import { RSC } from '../records/cse.js';
import { parseSealed } from '../records/reader.js';
import { ApiError } from '../session/api.js';
import { vitalPoint, type VitalPoint } from './series.js';
import { MAX_POINTS, WINDOW_MS } from './window.js';

/**
 * The charts' history: the patient's versions at the reader's level created
 * in the last two hours, listed by the CSE as children of the version
 * container (TS-0001 §10.2.6, filter criteria `cra` created-after, `ty` 4
 * contentInstance, result content 8 child resources; docs/cse.md "Query
 * parameters"), page by page (X-M2M-CTS / CTO), oldest first; each opened
 * here with its data key, which the reader caches per (patient, RL, epoch).
 */
export interface HistorySource {
  /** A GET to the CSE (records/cse.ts `cseRequest`). */
  get(path: string): Promise<CseAnswer>;
  /** Decrypts a version (records/reader.ts `openContent`). */
  openContent(sealed: SealedVersion): Promise<unknown>;
}

export interface History {
  points: VitalPoint[];
  /** Versions that could not be read: their key was refused (e.g. before this person joined) or they did not open. */
  unreadable: number;
}

const PAGE = 1000; // the CSE's default cap on a listing (cse.discoveryLimit)

/** oneM2M timestamp (TS-0004 §6.3.3, basic format, UTC): YYYYMMDDTHHMMSS. */
export function m2mTime(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, '');
}

export async function loadHistory(
  source: HistorySource,
  versions: string,
  now: number,
  spanMs = WINDOW_MS,
): Promise<History> {
  const points: VitalPoint[] = [];
  let unreadable = 0;
  // One refusal per (RL, epoch) is enough: asking the key service again for each version would not change its mind.
  const refused = new Set<string>();
  const since = m2mTime(now - spanMs);
  let ofst = 0;
  // Enough pages for the window's worth of points, and no more: memory stays bounded.
  for (let pages = Math.ceil(MAX_POINTS / PAGE) + 1; pages > 0; pages--) {
    const res = await source.get(`${versions}?rcn=8&ty=4&cra=${since}&lim=${PAGE}&ofst=${ofst}`);
    if (res.status === 403)
      throw new ApiError(403, 'cse_refused', 'the service layer does not give you these versions');
    if (res.rsc !== RSC.OK)
      throw new ApiError(
        502,
        'cse_request_failed',
        `the service layer answered ${res.rsc || res.status} for the history`,
      );
    const children = (res.body['m2m:cnt'] as { 'm2m:cin'?: unknown } | undefined)?.['m2m:cin'];
    for (const cin of Array.isArray(children) ? children : []) {
      const con = (cin as { con?: unknown } | null)?.con;
      let sealed: SealedVersion;
      try {
        sealed = parseSealed(typeof con === 'string' ? con : '');
      } catch {
        unreadable++;
        continue;
      }
      const epoch = `${sealed.rl}|${sealed.epoch}`;
      if (refused.has(epoch)) {
        unreadable++;
        continue;
      }
      try {
        points.push(vitalPoint(sealed, await source.openContent(sealed)));
      } catch (err) {
        unreadable++;
        if (err instanceof ApiError) refused.add(epoch);
      }
    }
    if (res.continueFrom === undefined) break;
    ofst = res.continueFrom;
  }
  return { points, unreadable };
}
