import type { Operation } from '../model/types.js';

/** Filter criteria of a request (TS-0004 §6.3.5.8 m2m:filterCriteria), as far as Tutela supports them. */
export interface FilterCriteria {
  /** 1 discovery, 2 conditional retrieval (the default). */
  fu?: 1 | 2;
  ty?: number[];
  lbl?: string[];
  cra?: string;
  crb?: string;
  lim?: number;
  lvl?: number;
  ofst?: number;
}

/** A oneM2M request primitive (TS-0004 §6.4.1), independent of the binding that carried it. */
export interface M2MRequest {
  op: Operation;
  to: string;
  fr: string;
  rqi: string;
  rvi: string;
  ty?: number;
  pc?: unknown;
  rcn?: number;
  fc: FilterCriteria;
  /** Discovery result type: 1 structured addresses (default), 2 unstructured ids. */
  drt: 1 | 2;
  /** The requester's IP address, for accessControlContexts. */
  ip: string;
}

/** A response primitive (TS-0004 §6.4.2). */
export interface M2MResponse {
  rsc: number;
  pc?: unknown;
  /** Address of a created resource (Content-Location). */
  location?: string;
  /** contentStatus 1: the listing is partial (TS-0004 §6.4.2, X-M2M-CTS). */
  cts?: 1;
  /** contentOffset: the ofst that continues a partial listing (X-M2M-CTO). */
  cto?: number;
}

/** Result content values (TS-0004 §6.3.4.2.13 m2m:resultContent). */
export const Rcn = {
  NOTHING: 0,
  ATTRIBUTES: 1,
  HIERARCHICAL_ADDRESS: 2,
  HIERARCHICAL_ADDRESS_ATTRIBUTES: 3,
  ATTRIBUTES_CHILD_RESOURCES: 4,
  ATTRIBUTES_CHILD_REFERENCES: 5,
  CHILD_REFERENCES: 6,
  CHILD_RESOURCES: 8,
  MODIFIED_ATTRIBUTES: 9,
  DISCOVERY_RESULT_REFERENCES: 11,
} as const;
