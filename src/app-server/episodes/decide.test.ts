import { describe, expect, it } from 'vitest';
import { ROLES, type Role } from '../directory/roles.js';
import {
  allowedLevels,
  historyByDefault,
  mayInvite,
  mayReadHistory,
  mayRemove,
  mayViewEpisode,
} from './decide.js';

const as = (id: string, role?: Role) => ({
  id,
  participation: role === undefined ? undefined : { role },
});

describe('episode decisions', () => {
  it('lets only the patient and the treating doctor invite, and never a second patient', () => {
    for (const own of ROLES)
      for (const role of ROLES)
        expect(mayInvite(as('a', own), role), `${own} invites ${role}`).toBe(
          (own === 'patient' || own === 'doctor') && role !== 'patient',
        );
    for (const role of ROLES) expect(mayInvite(as('a'), role)).toBe(false);
  });

  it('lets managers remove others, anyone leave, nobody remove the patient or act from outside', () => {
    expect(mayRemove(as('p', 'patient'), { user: 'n', role: 'nurse' })).toBe(true);
    expect(mayRemove(as('d', 'doctor'), { user: 'd2', role: 'doctor' })).toBe(true);
    expect(mayRemove(as('n', 'nurse'), { user: 'd', role: 'doctor' })).toBe(false);
    expect(mayRemove(as('n', 'nurse'), { user: 'n', role: 'nurse' })).toBe(true);
    expect(mayRemove(as('f', 'family'), { user: 'f', role: 'family' })).toBe(true);
    expect(mayRemove(as('d', 'doctor'), { user: 'p', role: 'patient' })).toBe(false);
    expect(mayRemove(as('p', 'patient'), { user: 'p', role: 'patient' })).toBe(false);
    expect(mayRemove(as('x'), { user: 'x', role: 'nurse' })).toBe(false);
  });

  it('shows the episode to participants only', () => {
    for (const role of ROLES) expect(mayViewEpisode(as('a', role))).toBe(true);
    expect(mayViewEpisode(as('a'))).toBe(false);
  });

  it('gives history by default to the patient and the treating doctor only', () => {
    expect(ROLES.filter(historyByDefault).sort()).toEqual(['doctor', 'patient']);
  });

  it('releases epochs from joining on, earlier ones only with history', () => {
    const p = { history: false, joinedEpoch: 4 };
    expect([3, 4, 5].map((e) => mayReadHistory(p, e))).toEqual([false, true, true]);
    expect(mayReadHistory({ ...p, history: true }, 1)).toBe(true);
  });

  it('gives each role at most its default AL, and admin and dpo none', () => {
    expect(allowedLevels('patient')).toEqual(['U', 'L', 'M', 'N', 'R', 'V']);
    expect(allowedLevels('nurse')).toEqual(['U', 'L', 'M', 'N']);
    expect(allowedLevels('family')).toEqual(['U', 'L']);
    expect(allowedLevels('researcher')).toEqual(['U']);
    expect(allowedLevels('admin')).toEqual([]);
    expect(allowedLevels('dpo')).toEqual([]);
  });
});
