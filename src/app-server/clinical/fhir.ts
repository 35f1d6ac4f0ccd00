import type { ReadingBatch } from '../../protocol/reading.js';
import type { Bundle, BundleResource, Communication, Location } from './fhir-r4.js';
import { fhirId } from './fhir-ids.js';
import { news2Observation } from './fhir-news2.js';
import { vitalSignObservation } from './fhir-observation.js';
import type { News2Assessment } from './news2.js';

export interface FhirOptions {
  /** The NEWS2 assessment of this batch's readings, to add as a score Observation. */
  news2?: News2Assessment;
}

/**
 * A gateway's tick as a FHIR R4 Bundle of type `collection` (DESIGN.md,
 * step 4): one vital-signs Observation per reading, the NEWS2 score when
 * given, the patient's position as a Location and the typed note as a
 * Communication. Device status readings are left out: they describe the
 * device, not the patient, and NEWS2 reports them.
 *
 * Ids are deterministic, `<gateway>-<seq>-<n>` with n the reading's index in
 * the batch (`location`, `note`, `news2` for the others), passed through
 * `fhirId` so they are valid FHIR ids; opening the same tick twice yields the
 * same resources. The only identifiers are the pseudonymous patient id and
 * the device ids; the note is the patient's own free text, carried as typed
 * (the categorisation stage labels it, R by default).
 */
export function toFhirBundle(batch: ReadingBatch, options: FhirOptions = {}): Bundle {
  const tick = `${batch.gateway}-${batch.seq}`;
  const idOf = (suffix: number | string) => fhirId(`${tick}-${suffix}`);
  const patient = `Patient/${fhirId(batch.patient)}`;
  const resources: BundleResource[] = [];

  batch.readings.forEach((reading, n) => {
    if (reading.metric === 'deviceStatus') return;
    resources.push(
      vitalSignObservation(reading, {
        id: idOf(n),
        subject: patient,
        device: `Device/${fhirId(`${batch.gateway}.${reading.device}`)}`,
      }),
    );
  });
  if (options.news2) {
    resources.push(
      news2Observation(options.news2, {
        id: idOf('news2'),
        subject: patient,
        effectiveDateTime: batch.at,
        observationId: idOf,
      }),
    );
  }
  if (batch.location) resources.push(position(idOf('location'), batch.location));
  // FHIR strings may not be empty (R4 §2.6.2, JSON representation).
  if (batch.note !== undefined && batch.note.trim() !== '') {
    resources.push(message(idOf('note'), patient, batch.at, batch.note));
  }

  // The resources share the terminology constants of ./fhir-codes.ts; later stages (redaction)
  // may edit a bundle in place, so each bundle gets its own copy.
  return structuredClone({
    resourceType: 'Bundle',
    id: fhirId(tick),
    type: 'collection',
    entry: resources.map((resource) => ({ resource })),
  });
}

/**
 * R4 Location.position has no accuracy element, so the gateway's accuracy,
 * which a responder needs, goes into the description.
 */
function position(id: string, where: NonNullable<ReadingBatch['location']>): Location {
  const accuracy = where.accuracyM === undefined ? '' : `, accurate to ${where.accuracyM} m`;
  return {
    resourceType: 'Location',
    id,
    status: 'active',
    mode: 'instance',
    description: `Patient position reported by the gateway${accuracy}`,
    position: { latitude: where.lat, longitude: where.lon },
  };
}

/** The note, sent by the patient (the gateway cannot tell a carer's typing apart). */
function message(id: string, patient: string, sent: string, note: string): Communication {
  return {
    resourceType: 'Communication',
    id,
    status: 'completed',
    subject: { reference: patient },
    sender: { reference: patient },
    sent,
    payload: [{ contentString: note }],
  };
}
