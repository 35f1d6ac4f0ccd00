import { Rsc } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import type { M2MClient } from '../../core/m2m/index.js';
import { patientPaths } from '../layout/patient-layout.js';

/** A reading as it sits in a patient's inbox: its name and its sealed content. */
export interface InboxReading {
  rn: string;
  con: unknown;
}

/** How many readings one look into an inbox takes (the CSE's default cap on a listing). */
export const INBOX_PAGE = 1000;

/**
 * The oldest readings in patient `pt`'s inbox, oldest first (a retrieve of
 * the container's contentInstances, TS-0001 rcn=8 with ty and lim). The
 * inbox holds every reading not yet published or refused for good, so this
 * is what a restart must pick up.
 */
export async function listInbox(
  cse: M2MClient,
  cseRn: string,
  pt: string,
  lim = INBOX_PAGE,
): Promise<InboxReading[]> {
  const res = await cse.expect([Rsc.OK, Rsc.NOT_FOUND], 'GET', patientPaths(cseRn, pt).inbox, {
    query: { rcn: 8, ty: 4, lim },
  });
  // No inbox (the patient's containers were removed): nothing waits.
  if (res.rsc === Rsc.NOT_FOUND) return [];
  const found = (res.body['m2m:cnt'] as { 'm2m:cin'?: unknown } | undefined)?.['m2m:cin'];
  if (!Array.isArray(found)) return [];
  return found.flatMap((cin: { rn?: unknown; con?: unknown }) =>
    typeof cin.rn === 'string' ? [{ rn: cin.rn, con: cin.con }] : [],
  );
}

/**
 * The inbox is a transit queue: a reading leaves it once it is published or
 * refused for good. Raw readings are sealed to the application server's own
 * key, not to the patient's, so leaving them would outlive an erasure. The
 * name comes from an unauthenticated notification, so it is checked to be a
 * plain resource name and addressed under this patient's inbox: nothing
 * else can be deleted this way.
 */
export async function removeFromInbox(
  cse: M2MClient,
  cseRn: string,
  pt: string,
  rn: string,
  log: Logger,
): Promise<void> {
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(rn) || rn === '.' || rn === '..') return;
  const res = await cse.request('DELETE', `${patientPaths(cseRn, pt).inbox}/${rn}`);
  if (res.rsc !== Rsc.DELETED && res.rsc !== Rsc.NOT_FOUND)
    log.warn({ pt, rn, rsc: res.rsc }, 'processed reading could not be removed from the inbox');
}
