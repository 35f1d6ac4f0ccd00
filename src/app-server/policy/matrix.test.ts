import { beforeAll, describe, expect, it } from 'vitest';
import { CONFIDENTIALITY, rank, type Confidentiality } from '../../protocol/levels.js';
import {
  COMMANDS,
  POLICY_ROLES,
  PURPOSES,
  PolicyEngine,
  type PolicyContext,
  type PolicyPrincipal,
  type PolicyRole,
  type PurposeOfUse,
} from './index.js';

/**
 * The authorization matrix of the policies: every role x every RL x inside
 * or outside the episode x every purpose of use (x alert, grant, second
 * factor), each decision compared with the rule as the issue states it,
 * written here role by role without looking at the policies. Any difference
 * is a leak (allowed where it should not be) or a lockout (the other way).
 */

/** CONTRACTS.md default ALs; admin and dpo have none. */
const DEFAULT_AL: Record<PolicyRole, Confidentiality | null> = {
  patient: 'V',
  doctor: 'R',
  nurse: 'N',
  responder: 'N',
  insurer: 'M',
  family: 'L',
  researcher: 'U',
  admin: null,
  dpo: null,
};

interface Cell {
  role: PolicyRole;
  inside: boolean;
  purpose: PurposeOfUse;
  alert: boolean;
  grant: boolean;
  mfa: boolean;
}

const bools = [false, true];
const cells: Cell[] = [];
for (const role of POLICY_ROLES)
  for (const inside of bools)
    for (const purpose of PURPOSES)
      for (const alert of bools)
        for (const grant of bools)
          for (const mfa of bools) cells.push({ role, inside, purpose, alert, grant, mfa });

const principalOf = (c: Cell): PolicyPrincipal => ({
  id: `${c.role}-1`,
  role: c.role,
  al: DEFAULT_AL[c.role],
  mfa: c.mfa,
});

const contextOf = (c: Cell): PolicyContext => ({
  participant: c.inside
    ? { role: c.role, al: DEFAULT_AL[c.role] ?? 'U', history: false, joinedEpoch: 7 }
    : undefined,
  purposeOfUse: c.purpose,
  openHighAlert: c.alert,
  breakGlass: { active: c.grant },
  epoch: 7,
});

const at = (l: Confidentiality) => rank(l);
const treatment = (p: PurposeOfUse) => p === 'TREAT' || p === 'ETREAT';

/** What the issue says each role may read, in plain code. */
function expectedRead(c: Cell, rl: Confidentiality): boolean {
  const r = rank(rl);
  const emergency = c.purpose === 'ETREAT';
  // An active break-the-glass grant: doctor, nurse, responder, second factor, ETREAT, up to R.
  const granted = c.grant && c.mfa && emergency;
  switch (c.role) {
    case 'admin':
    case 'dpo':
      return false;
    case 'patient':
      return c.inside;
    case 'researcher':
      return c.inside && c.purpose === 'HRESCH' && r === at('U');
    case 'insurer':
      return c.inside && c.purpose === 'HPAYMT' && r <= at('M');
    case 'family':
      return c.inside && treatment(c.purpose) && r <= at('L');
    case 'doctor':
      return treatment(c.purpose) && ((c.inside && r <= at('R')) || (granted && r <= at('R')));
    case 'nurse':
      return treatment(c.purpose) && ((c.inside && r <= at('N')) || (granted && r <= at('R')));
    case 'responder': {
      // The location (R) only while a high-CL alert is open, for ETREAT.
      const cap = c.alert && emergency ? at('R') : at('N');
      return treatment(c.purpose) && (c.inside || granted) && r <= cap;
    }
  }
}

function expectedCommand(c: Cell, action: string, self: boolean): boolean {
  if (!c.inside || !treatment(c.purpose)) return false;
  switch (action) {
    case 'changeInterval':
      return c.role === 'doctor' || c.role === 'nurse';
    case 'spotCheck':
      return c.role === 'doctor' || c.role === 'nurse' || c.role === 'responder';
    case 'changeDose':
      return c.role === 'doctor' && c.mfa;
    case 'confirmDose':
      return (c.role === 'doctor' || c.role === 'nurse') && c.mfa && !self;
    default:
      return false;
  }
}

let engine: PolicyEngine;
beforeAll(async () => {
  engine = await PolicyEngine.load();
});

// Thousands of decisions: generous on a shared machine.
describe('authorization matrix', { timeout: 180_000 }, () => {
  it(`reading versions and releasing keys: ${cells.length * CONFIDENTIALITY.length * 2} decisions, no leak either way`, () => {
    const wrong: string[] = [];
    for (const c of cells) {
      const p = principalOf(c);
      const ctx = contextOf(c);
      let highest: Confidentiality | undefined;
      for (const rl of CONFIDENTIALITY) {
        const want = expectedRead(c, rl);
        if (want) highest = rl;
        const read = engine.mayReadVersion(p, { pt: 'pt-1', rl }, ctx);
        const key = engine.mayReleaseKey(p, { pt: 'pt-1', rl, epoch: 7 }, ctx);
        if (read !== want || key !== want) {
          wrong.push(`${JSON.stringify(c)} rl=${rl}: read=${read} key=${key} want=${want}`);
        }
      }
      expect(engine.readableLevel(p, 'pt-1', ctx)).toBe(highest);
    }
    expect(wrong).toEqual([]);
  });

  it('history: epochs before joining only with history allowed, for every reader', () => {
    for (const c of cells.filter((x) => x.inside && !x.grant)) {
      for (const history of bools) {
        const ctx = { ...contextOf(c), participant: { ...contextOf(c).participant!, history } };
        for (const rl of CONFIDENTIALITY) {
          const want = expectedRead(c, rl) && history;
          expect(
            engine.mayReadVersion(principalOf(c), { pt: 'pt-1', rl }, { ...ctx, epoch: 6 }),
          ).toBe(want);
          expect(engine.mayReleaseKey(principalOf(c), { pt: 'pt-1', rl, epoch: 6 }, ctx)).toBe(
            want,
          );
        }
      }
    }
  });

  it('remote commands: every role x command x inside/outside x purpose x second factor', () => {
    const wrong: string[] = [];
    for (const c of cells.filter((x) => !x.alert && !x.grant)) {
      const p = principalOf(c);
      const ctx = contextOf(c);
      for (const command of COMMANDS) {
        const got = engine.mayIssueCommand(p, command, { pt: 'pt-1', dev: 'gw-1' }, ctx);
        if (got !== expectedCommand(c, command, false))
          wrong.push(`${JSON.stringify(c)} ${command}`);
      }
      for (const self of bools) {
        const proposedBy = self ? p.id : 'someone-else';
        const got = engine.mayConfirmDose(p, { pt: 'pt-1', proposedBy }, ctx);
        if (got !== expectedCommand(c, 'confirmDose', self))
          wrong.push(`${JSON.stringify(c)} confirm self=${self}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('episode: view, invite, remove, break the glass for every role', () => {
    const wrong: string[] = [];
    for (const c of cells.filter((x) => !x.alert && !x.grant)) {
      const p = principalOf(c);
      const ctx = contextOf(c);
      const manager = c.inside && (c.role === 'patient' || c.role === 'doctor');
      const checks: [string, boolean, boolean][] = [
        ['view', engine.mayViewEpisode(p, 'pt-1', ctx), c.inside],
        [
          'invite nurse',
          engine.mayInvite(p, 'pt-1', { user: 'nurse-9', role: 'nurse', al: 'N' }, ctx),
          manager,
        ],
        [
          'invite at V',
          engine.mayInvite(p, 'pt-1', { user: 'doctor-9', role: 'doctor', al: 'V' }, ctx),
          manager && c.role === 'patient',
        ],
        [
          'remove nurse',
          engine.mayRemove(p, 'pt-1', { user: 'nurse-9', role: 'nurse' }, ctx),
          manager,
        ],
        [
          'remove self',
          engine.mayRemove(p, 'pt-1', { user: p.id, role: c.role }, ctx),
          c.inside && c.role !== 'patient',
        ],
        [
          'break glass',
          engine.mayBreakGlass(p, 'pt-1', 'found unconscious', ctx),
          !c.inside &&
            ['doctor', 'nurse', 'responder'].includes(c.role) &&
            c.mfa &&
            c.purpose === 'ETREAT',
        ],
        ['break glass, blank reason', engine.mayBreakGlass(p, 'pt-1', ' \t', ctx), false],
      ];
      for (const [what, got, want] of checks) {
        if (got !== want) wrong.push(`${JSON.stringify(c)} ${what}: got ${got}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('research export and the audit log, for every role, purpose and level', () => {
    for (const role of POLICY_ROLES) {
      const p: PolicyPrincipal = { id: `${role}-1`, role, al: DEFAULT_AL[role], mfa: true };
      expect(engine.mayReadAudit(p)).toBe(role === 'dpo' || role === 'admin');
      for (const purpose of PURPOSES)
        for (const rl of CONFIDENTIALITY) {
          const want = role === 'researcher' && purpose === 'HRESCH' && rl === 'U';
          expect(engine.mayExportResearch(p, rl, purpose)).toBe(want);
        }
    }
  });
});
