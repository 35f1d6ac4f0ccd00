import { describe, expect, it } from 'vitest';
import { recipientsOf, type EpisodeMember } from './routing.js';

const members: EpisodeMember[] = [
  { user: 'doc', role: 'doctor', al: 'R' },
  { user: 'doc2', role: 'doctor', al: 'R' },
  { user: 'nur', role: 'nurse', al: 'N' },
  { user: 'pat', role: 'patient', al: 'V' },
  { user: 'fam', role: 'family', al: 'L' },
];

describe('recipients of an escalation step', () => {
  it('takes every participant with one of the step’s roles, nobody else', () => {
    expect(recipientsOf({ roles: ['doctor'], ackWithinMinutes: 5 }, members)).toEqual([
      { user: 'doc', role: 'doctor' },
      { user: 'doc2', role: 'doctor' },
    ]);
    expect(recipientsOf({ roles: ['responder'], ackWithinMinutes: 5 }, members)).toEqual([]);
  });

  it('adds named on-call users once, with their episode role when they have one', () => {
    expect(
      recipientsOf(
        { roles: ['nurse'], users: ['oncall-1', 'nur', 'doc', 'oncall-1'], ackWithinMinutes: 5 },
        members,
      ),
    ).toEqual([
      { user: 'nur', role: 'nurse' },
      { user: 'oncall-1', role: 'on-call' },
      { user: 'doc', role: 'doctor' },
    ]);
  });
});
