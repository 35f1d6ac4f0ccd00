import { createHash } from 'node:crypto';

/** R4 `id` datatype (§2.24.0.1): [A-Za-z0-9\-\.]{1,64}. */
const FHIR_ID = /^[A-Za-z0-9.-]{1,64}$/;

/**
 * A FHIR id for a Tutela identifier. Tutela's ids (src/protocol, ID) may also
 * hold '_' and ':' and run to 128 characters. An identifier that already is a
 * valid FHIR id is kept as it is, so ids stay readable in the usual case; any
 * other becomes 'h' and 32 hex digits of its SHA-256: deterministic, and
 * distinct for distinct identifiers (a 128-bit truncated hash).
 */
export function fhirId(identifier: string): string {
  if (FHIR_ID.test(identifier)) return identifier;
  return `h${createHash('sha256').update(identifier).digest('hex').slice(0, 32)}`;
}
