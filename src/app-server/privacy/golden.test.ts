import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { golden, type GoldenRecord } from './testing-golden.js';

/** Labels and versions made by the labeller and redactor of commit 87fcd93 (testing-golden.ts). */
const pinned = JSON.parse(
  readFileSync(new URL('../../../test/fixtures/privacy/golden.json', import.meta.url), 'utf8'),
) as GoldenRecord[];

describe('labels and versions stay byte for byte what they were', () => {
  const now = golden();

  it('covers the same records', () => {
    expect(now.map((r) => r.name)).toEqual(pinned.map((r) => r.name));
  });

  it.each(pinned.map((r, i) => [r.name, i] as const))('%s', (_, i) => {
    const then = pinned[i]!;
    const made = now[i]!;
    expect(made.label).toBe(then.label);
    expect(made.labels).toEqual(then.labels);
    for (const [rl, json] of Object.entries(then.versions))
      expect(made.versions[rl as keyof typeof made.versions], `version ${rl}`).toBe(json);
  });
});
