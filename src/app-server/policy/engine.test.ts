import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { DecisionCache } from './decision-cache.js';
import { PATIENT_SELF, PolicyEngine, type PolicyContext, type PolicyPrincipal } from './index.js';

const doctor: PolicyPrincipal = { id: 'doctor-1', role: 'doctor', al: 'R', mfa: true };
const inEpisode: PolicyContext = {
  participant: { role: 'doctor', al: 'R', history: false, joinedEpoch: 3 },
  purposeOfUse: 'TREAT',
};

let engine: PolicyEngine;
beforeAll(async () => {
  engine = await PolicyEngine.load();
});

describe('PolicyEngine', () => {
  it('reports the version in force and the deciding policies', () => {
    expect(engine.version).toBe('v1');
    const d = engine.authorize({
      principal: doctor,
      action: 'readVersion',
      resource: { kind: 'version', pt: 'pt-1', rl: 'N' },
      context: inEpisode,
    });
    expect(d).toEqual({ allowed: true, reasons: ['read.participant-al-reaches-rl'], errors: [] });
  });

  it('refuses a malformed request with bad_request, not a decision', () => {
    const bad = [
      { principal: { ...doctor, extra: 1 }, action: 'readAudit', resource: { kind: 'auditLog' } },
      {
        principal: { ...doctor, role: 'surgeon' },
        action: 'readAudit',
        resource: { kind: 'auditLog' },
      },
      { principal: doctor, action: 'deleteEverything', resource: { kind: 'auditLog' } },
      {
        principal: doctor,
        action: 'readVersion',
        resource: { kind: 'version', pt: 'pt-1', rl: 'X' },
      },
      {
        principal: doctor,
        action: 'readAudit',
        resource: { kind: 'auditLog' },
        context: { admin: true },
      },
    ];
    for (const request of bad) {
      expect(() => engine.authorize(request as any)).toThrow(
        expect.objectContaining({ code: 'bad_request', status: 400 }),
      );
    }
  });

  it('denies, with the error, a request Cedar cannot evaluate', () => {
    const d = engine.authorize({
      principal: doctor,
      action: 'readVersion',
      resource: { kind: 'version', pt: 'pt-1', rl: 'U' },
      context: { participant: inEpisode.participant },
    });
    expect(d.allowed).toBe(false);
    expect(d.errors.join()).toMatch(/purposeOfUse/);
    // An action with the wrong kind of resource is no decision either.
    const wrongKind = engine.authorize({
      principal: doctor,
      action: 'changeDose',
      resource: { kind: 'auditLog' },
      context: inEpisode,
    });
    expect(wrongKind.allowed).toBe(false);
    expect(wrongKind.errors.length).toBeGreaterThan(0);
  });

  it('gives the highest readable level, or none', () => {
    expect(engine.readableLevel(doctor, 'pt-1', inEpisode)).toBe('R');
    expect(engine.readableLevel(doctor, 'pt-1', { purposeOfUse: 'TREAT' })).toBeUndefined();
    const responder: PolicyPrincipal = { id: 'r-1', role: 'responder', al: 'N', mfa: true };
    const ctx: PolicyContext = {
      participant: { role: 'responder', al: 'N', history: true, joinedEpoch: 0 },
      purposeOfUse: 'ETREAT',
    };
    expect(engine.readableLevel(responder, 'pt-1', ctx)).toBe('N');
    expect(engine.readableLevel(responder, 'pt-1', { ...ctx, openHighAlert: true })).toBe('R');
  });

  it('lets the patient, as PATIENT_SELF, read and manage everything of their own', () => {
    const patient: PolicyPrincipal = { id: 'pt-user', role: 'patient', al: 'V', mfa: false };
    const self: PolicyContext = { participant: PATIENT_SELF, purposeOfUse: 'TREAT' };
    expect(engine.readableLevel(patient, 'pt-1', self)).toBe('V');
    expect(engine.mayReleaseKey(patient, { pt: 'pt-1', rl: 'V', epoch: 0 }, self)).toBe(true);
    expect(engine.mayViewEpisode(patient, 'pt-1', self)).toBe(true);
    expect(engine.mayInvite(patient, 'pt-1', { user: 'n', role: 'nurse', al: 'N' }, self)).toBe(
      true,
    );
    expect(engine.mayRemove(patient, 'pt-1', { user: 'pt-user', role: 'patient' }, self)).toBe(
      false,
    );
    expect(engine.mayIssueCommand(patient, 'changeDose', { pt: 'pt-1' }, self)).toBe(false);
  });

  it('gives a break-the-glass holder the keys of earlier epochs too, up to R', () => {
    const ctx: PolicyContext = { purposeOfUse: 'ETREAT', breakGlass: { active: true } };
    expect(engine.mayReleaseKey(doctor, { pt: 'pt-1', rl: 'R', epoch: 0 }, ctx)).toBe(true);
    expect(engine.mayReleaseKey(doctor, { pt: 'pt-1', rl: 'V', epoch: 0 }, ctx)).toBe(false);
    expect(engine.mayReadAlerts(doctor, 'pt-1', ctx)).toBe(true);
    expect(engine.mayReadAlerts(doctor, 'pt-1', { ...ctx, breakGlass: { active: false } })).toBe(
      false,
    );
  });

  it('caches decisions: the same request is answered without Cedar', () => {
    const request = {
      principal: doctor,
      action: 'viewEpisode' as const,
      resource: { kind: 'episode' as const, pt: 'pt-7' },
      context: inEpisode,
    };
    const first = engine.authorize(request);
    expect(engine.authorize(structuredClone(request))).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
  });

  it('keeps its cache bounded, dropping the least recently used', () => {
    const cache = new DecisionCache<number>(2);
    cache.set('a', 1);
    cache.set('b', 2);
    cache.get('a');
    cache.set('c', 3);
    expect(cache.size).toBe(2);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBe(1);
    expect(cache.get('c')).toBe(3);
  });

  it('survives many decisions in a fresh process (V8 wasm-call inlining crash, see cedar.ts)', () => {
    // Without the V8 flag cedar.ts sets, this loop killed its process in about
    // two runs out of three (the crash is timing-dependent); with it, never.
    const index = pathToFileURL(join(import.meta.dirname, 'index.ts')).href;
    const script = `
      const { PolicyEngine } = await import(${JSON.stringify(index)});
      const e = await PolicyEngine.load();
      const p = { id: 'd1', role: 'doctor', al: 'R', mfa: true };
      let n = 0;
      for (let i = 0; i < 12000; i++) {
        const participant = { role: 'doctor', al: 'R', history: i % 2 === 0, joinedEpoch: i };
        if (e.mayReadVersion(p, { pt: 'p1', rl: 'N' }, { participant, purposeOfUse: 'TREAT', epoch: i % 7 })) n++;
      }
      console.log('decided', n);
    `;
    const run = spawnSync(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      { encoding: 'utf8', timeout: 120_000 },
    );
    expect(run.stderr).not.toMatch(/Fatal error/);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/decided 6003/);
  }, 150_000);
});
