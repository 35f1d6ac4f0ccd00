import { describeResource } from '../../caregiver/render.js';
import type { SealedVersion } from '../../../protocol/envelope.js';
import type { Criticality } from '../../../protocol/levels.js';

/**
 * A decrypted version as the web app shows it: one row per resource, with
 * the same reading of FHIR as the CLI (../../caregiver/render.ts), so both
 * clients agree on what is withheld; the NEWS2 total pulled out for the
 * headline.
 */
export interface RecordRow {
  name: string;
  value: string;
  withheld: boolean;
}

export interface RecordView {
  sealed: SealedVersion;
  rows: RecordRow[];
  news2: { value: string; partial: boolean; withheld: boolean } | undefined;
}

const WITHHELD = '[withheld]';
const NEWS2_CODE = '1104051000000101';

type Obj = Record<string, unknown>;
const isObj = (x: unknown): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x);

export function recordView(sealed: SealedVersion, content: unknown): RecordView {
  const entries = isObj(content) && Array.isArray(content.entry) ? content.entry : [];
  const rows: RecordRow[] = [];
  let news2: RecordView['news2'];
  for (const e of entries) {
    const resource = isObj(e) && isObj(e.resource) ? e.resource : undefined;
    if (!resource) {
      rows.push({ name: 'Entry', value: 'withheld', withheld: true });
      continue;
    }
    // describeResource's JSON type is structural; the decrypted bundle is plain JSON.
    const [name, value] = describeResource(resource as Parameters<typeof describeResource>[0]);
    const withheld = value === WITHHELD;
    if (isNews2(resource)) {
      const partial = value.includes('(partial');
      news2 = {
        value: withheld ? 'withheld' : value.replace(/\s*\(partial.*$/, ''),
        partial,
        withheld,
      };
      continue;
    }
    rows.push({ name, value: withheld ? 'withheld' : value, withheld });
  }
  return { sealed, rows, news2 };
}

function isNews2(r: Obj): boolean {
  const code = r.code;
  return (
    isObj(code) &&
    Array.isArray(code.coding) &&
    code.coding.some((c) => isObj(c) && c.code === NEWS2_CODE)
  );
}

/**
 * Criticality as words and a shape as well as a colour (WCAG 2.2 SC 1.4.1:
 * colour is not the only signal). NEWS2 bands (RCP 2017): 0–4 low, a single
 * parameter scoring 3 low-medium, 5–6 medium, 7+ high.
 */
export const CRITICALITY_LABEL: Record<
  Criticality,
  { text: string; mark: string; color: string; filled: boolean }
> = {
  // Colours chosen for contrast (WCAG 2.2 SC 1.4.3, >= 4.5:1): dark text on light fills, white on dark red.
  low: { text: 'Low', mark: '○', color: 'teal.9', filled: false },
  'low-medium': { text: 'Low–medium', mark: '◐', color: 'yellow.4', filled: true },
  medium: { text: 'Medium', mark: '▲', color: 'orange.5', filled: true },
  high: { text: 'High', mark: '▲▲', color: 'red.9', filled: true },
};

/** "12 s ago", "3 min ago", "2 h ago", "5 d ago"; "in 24 h" for a time to come (an expiry). */
export function ageOf(at: string | number, now: number): string {
  const t = typeof at === 'number' ? at : Date.parse(at);
  if (!Number.isFinite(t)) return 'unknown time';
  // A few seconds ahead is clock skew between the gateway and this browser, not the future.
  if (t - now > 5000) return `in ${span(t - now)}`;
  return `${span(Math.max(0, now - t))} ago`;
}

function span(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h`;
  return `${Math.floor(h / 24)} d`;
}
