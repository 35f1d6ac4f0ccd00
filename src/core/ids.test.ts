import { expect, it } from 'vitest';
import { randomId, sortableId } from './ids.js';

it('makes ids of the asked length from the alphabet, without repeats', () => {
  const ids = Array.from({ length: 20_000 }, () => randomId(12));
  expect(ids.every((id) => /^[a-z0-9]{12}$/.test(id))).toBe(true);
  expect(new Set(ids).size).toBe(ids.length);
});

it('uses every character about equally often', () => {
  const counts = new Map<string, number>();
  for (const ch of randomId(360_000)) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  expect(counts.size).toBe(36);
  // Expected 10,000 each; 5 standard deviations is about ±490.
  for (const n of counts.values()) expect(Math.abs(n - 10_000)).toBeLessThan(600);
});

it('makes sortable ids that follow the clock', async () => {
  const a = sortableId();
  await new Promise((r) => setTimeout(r, 5));
  const b = sortableId();
  expect(a < b).toBe(true);
  expect(b).toMatch(/^[a-z0-9]{19}$/);
});
