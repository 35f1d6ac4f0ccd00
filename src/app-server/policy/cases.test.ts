import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { PolicyEngine, packageRoot, type PolicyRequest } from './index.js';

/**
 * The explicit allow and deny cases of the active policy version
 * (policies/<version>/cases.json): each names the request, the expected
 * decision, why, and for most the policy expected to decide it.
 */
interface Case extends PolicyRequest {
  name: string;
  expected: 'allow' | 'deny';
  why: string;
  reason?: string;
}

const version = readFileSync(join(packageRoot(), 'policies', 'CURRENT'), 'utf8').trim();
const { cases } = JSON.parse(
  readFileSync(join(packageRoot(), 'policies', version, 'cases.json'), 'utf8'),
) as { cases: Case[] };

let engine: PolicyEngine;
beforeAll(async () => {
  engine = await PolicyEngine.load();
});

describe(`policy cases ${version}`, () => {
  it('has both allow and deny cases, with unique names', () => {
    expect(cases.some((c) => c.expected === 'allow')).toBe(true);
    expect(cases.some((c) => c.expected === 'deny')).toBe(true);
    expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
  });

  it.each(cases)('$name: $expected ($why)', (c) => {
    const { name: _n, expected, why: _w, reason, ...request } = c;
    const decision = engine.authorize(request);
    expect(decision.allowed ? 'allow' : 'deny').toBe(expected);
    if (reason) expect(decision.reasons).toContain(reason);
    if (expected === 'allow') expect(decision.errors).toEqual([]);
  });

  it('names, in its cases, every policy that can decide', () => {
    const named = new Set(cases.map((c) => c.reason));
    expect(engine.policyIds.filter((id) => !named.has(id))).toEqual([]);
  });
});
