/**
 * oneM2M resource types Tutela's CSE hosts (TS-0004 §6.3.4.2.1, m2m:resourceType)
 * and their JSON short names (TS-0004 §8.2.2; "m2m:" prefix in JSON, TS-0004 §8.2.3).
 */
export const Ty = {
  ACP: 1,
  AE: 2,
  CNT: 3,
  CIN: 4,
  CSEBASE: 5,
  SUB: 23,
} as const;
export type Ty = (typeof Ty)[keyof typeof Ty];

export const TYPE_NAMES: Record<Ty, string> = {
  [Ty.ACP]: 'm2m:acp',
  [Ty.AE]: 'm2m:ae',
  [Ty.CNT]: 'm2m:cnt',
  [Ty.CIN]: 'm2m:cin',
  [Ty.CSEBASE]: 'm2m:cb',
  [Ty.SUB]: 'm2m:sub',
};

/** Prefix of CSE-assigned resource ids, so an id says what it names. */
export const RI_PREFIX: Record<Ty, string> = {
  [Ty.ACP]: 'acp',
  [Ty.AE]: 'C',
  [Ty.CNT]: 'cnt',
  [Ty.CIN]: 'cin',
  [Ty.CSEBASE]: 'cb',
  [Ty.SUB]: 'sub',
};

/** Which child types each parent type may hold (TS-0001 §9.6, child resource tables). */
export const CHILD_TYPES: Record<Ty, readonly Ty[]> = {
  [Ty.CSEBASE]: [Ty.AE, Ty.CNT, Ty.ACP, Ty.SUB],
  [Ty.AE]: [Ty.CNT, Ty.ACP, Ty.SUB],
  [Ty.CNT]: [Ty.CNT, Ty.CIN, Ty.SUB],
  [Ty.CIN]: [],
  [Ty.ACP]: [],
  [Ty.SUB]: [],
};

/** Types that carry their own acpi; the others take their parent's (TS-0001 §9.6.1.3.2). */
export const HAS_ACPI: ReadonlySet<Ty> = new Set([Ty.AE, Ty.CNT, Ty.SUB, Ty.CSEBASE]);

export function isTy(n: number): n is Ty {
  return n in TYPE_NAMES;
}

/** Access control operations, as acop bits (TS-0004 §6.3.4.2.? m2m:accessControlOperations). */
export const Op = {
  CREATE: 1,
  RETRIEVE: 2,
  UPDATE: 4,
  DELETE: 8,
  NOTIFY: 16,
  DISCOVERY: 32,
} as const;
export type Op = (typeof Op)[keyof typeof Op];

/** Request operations (TS-0004 §6.3.4.2.5 m2m:operation). */
export const Operation = { CREATE: 1, RETRIEVE: 2, UPDATE: 3, DELETE: 4, NOTIFY: 5 } as const;
export type Operation = (typeof Operation)[keyof typeof Operation];

/** Resource names that address virtual resources and so cannot be given to real ones. */
export const RESERVED_NAMES: ReadonlySet<string> = new Set(['la', 'ol', 'fopt', 'pcu']);

/** A stored resource as the procedures see it. */
export interface Resource {
  seq: number;
  ri: string;
  ty: Ty;
  rn: string;
  /** Parent's ri; null only for the CSEBase. */
  pi: string | null;
  /** Structured CSE-relative address, e.g. "cse-in/ward/patient-1". */
  path: string;
  /** The originator that created it: the default access policy's subject. */
  creator: string;
  ct: string;
  lt: string;
  et: string | null;
  lbl: string[];
  acpi: string[];
  /** State tag, current number and current byte size (containers and instances). */
  st: number;
  cni: number;
  cbs: number;
  /** Number of subscriptions on it (internal, never sent). */
  nsub: number;
  /** Every other attribute, as the client sent it or the CSE set it. */
  attrs: Record<string, unknown>;
}
