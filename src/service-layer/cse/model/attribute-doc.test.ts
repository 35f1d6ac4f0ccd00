import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { renderAttributeDoc } from './attribute-doc.js';

it('docs/cse-attributes.md matches the attribute tables (run `npm run docs` after changing them)', () => {
  expect(readFileSync('docs/cse-attributes.md', 'utf8')).toBe(renderAttributeDoc());
});
