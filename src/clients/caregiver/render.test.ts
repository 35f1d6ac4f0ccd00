import { describe, expect, it } from 'vitest';
import { assessNews2, toFhirBundle } from '../../app-server/clinical/index.js';
import { label } from '../../app-server/privacy/label.js';
import { versions } from '../../app-server/privacy/redact.js';
import { defaultRuleSet } from '../../app-server/privacy/rules.js';
import type { ReadingBatch } from '../../protocol/reading.js';
import type { SealedVersion } from '../../protocol/envelope.js';
import { renderVersion } from './render.js';

const at = '2026-11-22T10:00:00.000Z';
const batch: ReadingBatch = {
  v: 1,
  patient: 'pt-1',
  gateway: 'gw1',
  seq: 3,
  at,
  readings: [
    { device: 'ox', metric: 'pulse', at, value: 73 },
    { device: 'bp', metric: 'bloodPressure', at, systolic: 124, diastolic: 71 },
  ],
  note: 'felt dizzy',
  location: { lat: 48.85, lon: 2.35 },
};

describe('a version in the caregiver terminal', () => {
  const labelled = label(
    toFhirBundle(batch, { news2: assessNews2(batch.readings, { spo2Scale: 1 }) }),
    defaultRuleSet(),
  );
  const all = versions(labelled);
  const show = (rl: 'R' | 'N' | 'L') =>
    renderVersion(
      { pt: 'pt-1', rl, cl: 'low', epoch: 1, src: 'gw1:3', at } as SealedVersion,
      all[rl],
    );

  it('shows values, note and location at R', () => {
    const out = show('R');
    expect(out).toMatch(/Heart rate.*73/);
    expect(out).toMatch(/Blood pressure\s+124\/71 mmHg/);
    expect(out).toContain('felt dizzy');
    expect(out).toContain('48.85, 2.35');
  });

  it('shows values but withholds note and location at N, visibly', () => {
    const out = show('N');
    expect(out).toMatch(/Heart rate.*73/);
    expect(out).not.toContain('felt dizzy');
    expect(out).toMatch(/Location\s+\[withheld\]/);
  });

  it('shows that a heart rate was measured, not its value, at L', () => {
    const out = show('L');
    expect(out).toMatch(/Heart rate\s+\[withheld\]/);
    expect(out).not.toMatch(/73|124/);
  });
});
