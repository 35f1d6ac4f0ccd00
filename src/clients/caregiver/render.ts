import type { SealedVersion } from '../../protocol/envelope.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Obj = { [k: string]: Json };

const WITHHELD = '[withheld]';
const DAR = 'http://hl7.org/fhir/StructureDefinition/data-absent-reason';

const isObj = (x: Json | undefined): x is Obj =>
  typeof x === 'object' && x !== null && !Array.isArray(x);

/** True for an element the redaction engine replaced by a data-absent-reason "masked" marker. */
function masked(x: Json | undefined): boolean {
  if (!isObj(x)) return false;
  const ext = x.extension;
  const viaExtension =
    Array.isArray(ext) && ext.some((e) => isObj(e) && e.url === DAR && e.valueCode === 'masked');
  const coding = isObj(x.coding) ? [] : Array.isArray(x.coding) ? x.coding : [];
  return viaExtension || coding.some((c) => isObj(c) && c.code === 'masked');
}

function conceptText(c: Json | undefined): string | undefined {
  if (!isObj(c)) return undefined;
  if (typeof c.text === 'string') return c.text;
  const first = Array.isArray(c.coding) ? c.coding.find(isObj) : undefined;
  if (!first) return undefined;
  return typeof first.display === 'string'
    ? first.display
    : typeof first.code === 'string'
      ? first.code
      : undefined;
}

function quantity(q: Json | undefined): string | undefined {
  if (!isObj(q) || typeof q.value !== 'number') return undefined;
  const unit = typeof q.unit === 'string' ? q.unit : typeof q.code === 'string' ? q.code : '';
  // A score is a number: "{score}" is UCUM's annotation for it, not a unit to print.
  if (/^\{?score\}?$/.test(unit)) return String(q.value);
  return `${q.value}${unit ? ` ${unit}` : ''}`;
}

/** The value of an Observation (or component) as a reader sees it. */
function valueOf(o: Obj): string {
  if (masked(o.dataAbsentReason) || masked(o._valueQuantity) || masked(o.valueQuantity))
    return WITHHELD;
  const q = quantity(o.valueQuantity);
  if (q) return q;
  const c = conceptText(o.valueCodeableConcept);
  if (c) return c;
  if (typeof o.valueBoolean === 'boolean') return o.valueBoolean ? 'yes' : 'no';
  if (Array.isArray(o.component)) {
    const parts = o.component.filter(isObj);
    if (parts.length === 1 && masked(parts[0])) return WITHHELD;
    const [a, b] = parts.map((p) => (isObj(p.valueQuantity) ? p.valueQuantity : undefined));
    // A blood-pressure panel (systolic, diastolic) reads as clinicians write it: 124/71 mmHg.
    if (parts.length === 2 && typeof a?.value === 'number' && typeof b?.value === 'number')
      return `${a.value}/${b.value} ${typeof a.unit === 'string' ? a.unit : ''}`.trim();
    const values = parts.map(valueOf);
    // Every part without a value for the same reason (e.g. a cuff artefact): say it once.
    if (values.every((v) => v === values[0] && v.startsWith('('))) return values[0]!;
    return parts.map((p, i) => `${conceptText(p.code) ?? '?'} ${values[i]!}`).join(', ');
  }
  const reason = conceptText(o.dataAbsentReason);
  return reason ? `(no valid value: ${reason})` : '(no value)';
}

function isStub(r: Obj): boolean {
  return (
    Object.keys(r).every((k) => ['resourceType', 'id', 'meta', 'extension'].includes(k)) &&
    masked(r)
  );
}

/** One line per resource of a version: what it is and what the reader may see of it. */
export function describeResource(r: Obj): [string, string] {
  const type = typeof r.resourceType === 'string' ? r.resourceType : 'Resource';
  if (isStub(r)) return [type, WITHHELD];
  switch (type) {
    case 'Observation': {
      const name = masked(r.code) ? 'Observation' : (conceptText(r.code) ?? 'Observation');
      // A preliminary score was computed from a partial set (a lower bound): say so at every level.
      const partial = r.status === 'preliminary' ? ' (partial: some vital signs missing)' : '';
      return [name, `${valueOf(r)}${partial}`];
    }
    case 'Location': {
      const p = r.position;
      if (masked(p) || !isObj(p)) return ['Location', WITHHELD];
      return ['Location', `${String(p.latitude)}, ${String(p.longitude)}`];
    }
    case 'Communication': {
      const payload = Array.isArray(r.payload) ? r.payload.find(isObj) : undefined;
      if (!payload || masked(payload) || masked(payload._contentString))
        return ['Note from the patient', WITHHELD];
      return [
        'Note from the patient',
        typeof payload.contentString === 'string' ? payload.contentString : WITHHELD,
      ];
    }
    default:
      return [type, '(present)'];
  }
}

/** A version as the caregiver's terminal shows it. */
export function renderVersion(sealed: SealedVersion, content: unknown): string {
  const bundle = content as Obj;
  const entries = Array.isArray(bundle.entry) ? bundle.entry.filter(isObj) : [];
  const rows = entries.map((e) =>
    isObj(e.resource) ? describeResource(e.resource) : (['entry', WITHHELD] as [string, string]),
  );
  const width = Math.max(12, ...rows.map(([name]) => name.length));
  const when = sealed.at.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
  return [
    `${when}  ${sealed.pt}  criticality ${sealed.cl.toUpperCase()}  (version ${sealed.rl}, reading ${sealed.src})`,
    ...rows.map(([name, value]) => `  ${name.padEnd(width, ' ')}  ${value}`),
  ].join('\n');
}
