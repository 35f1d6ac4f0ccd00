import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { CONFIDENTIALITY, rank } from '../../protocol/levels.js';
import {
  ACTIONS,
  POLICY_ROLES,
  PURPOSES,
  PolicyEngine,
  type PolicyContext,
  type PolicyPrincipal,
  type PolicyRequest,
  type PolicyResource,
} from './index.js';

/**
 * Invariants of the policies over random requests, whatever the mix of
 * roles, ALs, purposes, alerts, grants and epochs: the properties a change to
 * the policies must never break.
 */

const level = fc.constantFrom(...CONFIDENTIALITY);
const role = fc.constantFrom(...POLICY_ROLES);
const principal: fc.Arbitrary<PolicyPrincipal> = fc.record({
  id: fc.constantFrom('u-1', 'u-2', 'u-3'),
  role,
  al: fc.option(level, { nil: null }),
  mfa: fc.boolean(),
});
const context: fc.Arbitrary<PolicyContext> = fc.record(
  {
    participant: fc.option(
      fc.record({
        role,
        al: level,
        history: fc.boolean(),
        joinedEpoch: fc.integer({ min: 0, max: 5 }),
      }),
      { nil: undefined },
    ),
    purposeOfUse: fc.constantFrom(...PURPOSES),
    openHighAlert: fc.boolean(),
    breakGlass: fc.record({ active: fc.boolean() }),
    epoch: fc.integer({ min: 0, max: 5 }),
    reason: fc.constantFrom('', ' ', 'collapse at home'),
    target: fc.record({ user: fc.constantFrom('u-1', 'u-9'), role, al: level }),
  },
  { requiredKeys: ['purposeOfUse'] },
);
const resource: fc.Arbitrary<PolicyResource> = fc.oneof(
  fc.record({ kind: fc.constant('version' as const), pt: fc.constant('pt-1'), rl: level }),
  fc.constant({ kind: 'alerts' as const, pt: 'pt-1' }),
  fc.constant({ kind: 'episode' as const, pt: 'pt-1' }),
  fc.constant({ kind: 'device' as const, pt: 'pt-1' }),
  fc.record({
    kind: fc.constant('doseOrder' as const),
    pt: fc.constant('pt-1'),
    proposedBy: fc.constantFrom('u-1', 'u-2'),
  }),
  fc.record({ kind: fc.constant('researchExport' as const), rl: level }),
  fc.constant({ kind: 'auditLog' as const }),
);
const request: fc.Arbitrary<PolicyRequest> = fc.record({
  principal,
  action: fc.constantFrom(...ACTIONS),
  resource,
  context,
});

const CLINICAL = new Set([
  'readVersion',
  'releaseKey',
  'readAlerts',
  'changeInterval',
  'spotCheck',
  'changeDose',
  'confirmDose',
  'readSettings',
  'changeSettings',
  'breakGlass',
]);
const staff = (r: string | undefined) => r === 'admin' || r === 'dpo';

let engine: PolicyEngine;
beforeAll(async () => {
  engine = await PolicyEngine.load();
});

describe('policy invariants', { timeout: 180_000 }, () => {
  it('an allowed request has a deciding policy and no error; staff never reach clinical content', () => {
    fc.assert(
      fc.property(request, (req) => {
        const d = engine.authorize(req);
        if (d.allowed) {
          expect(d.reasons.length).toBeGreaterThan(0);
          expect(d.errors).toEqual([]);
        }
        if (CLINICAL.has(req.action)) {
          if (staff(req.principal.role) || staff(req.context?.participant?.role)) {
            expect(d.allowed).toBe(false);
          }
        }
      }),
      { numRuns: 1500 },
    );
  });

  it('outside the episode and without a grant, nothing about the patient is readable or commandable', () => {
    fc.assert(
      fc.property(request, (req) => {
        const ctx = { ...req.context, participant: undefined, breakGlass: { active: false } };
        if (CLINICAL.has(req.action) && req.action !== 'breakGlass') {
          expect(engine.authorize({ ...req, context: ctx }).allowed).toBe(false);
        }
      }),
      { numRuns: 800 },
    );
  });

  it('what is readable is closed downwards: reading level k means reading every level below', () => {
    fc.assert(
      fc.property(principal, context, (p, ctx) => {
        const top = engine.readableLevel(p, 'pt-1', ctx);
        for (const rl of CONFIDENTIALITY) {
          const want = top !== undefined && rank(rl) <= rank(top);
          expect(engine.mayReadVersion(p, { pt: 'pt-1', rl }, ctx)).toBe(want);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('nobody reads V but through their own AL, and nobody outside the episode above R', () => {
    fc.assert(
      fc.property(principal, context, (p, ctx) => {
        const top = engine.readableLevel(p, 'pt-1', ctx);
        if (top === undefined) return;
        if (!ctx.participant) expect(rank(top)).toBeLessThanOrEqual(rank('R'));
        if (top === 'V') {
          expect(p.al).toBe('V');
          expect(ctx.participant?.al).toBe('V');
        }
      }),
      { numRuns: 300 },
    );
  });
});
