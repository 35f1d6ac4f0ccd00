import { beforeAll, describe, expect, it } from 'vitest';
import type { User } from '../directory/directory.js';
import type { Participant } from '../episodes/store.js';
import { PolicyEngine } from '../policy/index.js';
import { Access } from './access.js';

const user = (id: string, role: User['role'], al: User['al']): User => ({ id, role, al });
const inEpisode = (u: User, over: Partial<Participant> = {}): Participant => ({
  id: `p-${u.id}`,
  episode: 'ep-1',
  pt: 'pt-1',
  user: u.id,
  role: u.role,
  al: u.al,
  history: false,
  joinedAt: 0,
  joinedEpoch: 3,
  invitedBy: 'system',
  leftAt: null,
  ...over,
});

describe('the policy decision point of the application server', () => {
  let access: Access;
  beforeAll(async () => {
    access = new Access(await PolicyEngine.load());
  });

  it('states the purpose of the role when none is given, and never assumes emergency treatment', () => {
    const responder = user('r', 'responder', 'N');
    expect(access.context(inEpisode(responder)).purposeOfUse).toBe('TREAT');
    expect(access.context(inEpisode(user('i', 'insurer', 'M'))).purposeOfUse).toBe('HPAYMT');
    expect(access.context(inEpisode(user('s', 'researcher', 'U'))).purposeOfUse).toBe('HRESCH');
    expect(access.context(undefined)).toEqual({});
    // A high alert gives the responder the location (R) only for stated emergency treatment.
    const p = inEpisode(responder);
    expect(access.readableLevel(responder, 'pt-1', p, { openHighAlert: true })).toBe('N');
    expect(
      access.readableLevel(responder, 'pt-1', p, { openHighAlert: true, purposeOfUse: 'ETREAT' }),
    ).toBe('R');
  });

  it('reads up to the lower of the account AL and the episode AL, for participants only', () => {
    const nurse = user('n', 'nurse', 'N');
    expect(access.readableLevel(nurse, 'pt-1', inEpisode(nurse))).toBe('N');
    expect(access.readableLevel(nurse, 'pt-1', inEpisode(nurse, { al: 'L' }))).toBe('L');
    expect(access.readableLevel(nurse, 'pt-1', undefined)).toBeUndefined();
  });

  it('keeps staff without an AL away from every version, even inside an episode', () => {
    const dpo = user('d', 'dpo', null);
    expect(access.readableLevel(dpo, 'pt-1', inEpisode(dpo))).toBeUndefined();
    expect(access.principal(dpo)).toEqual({ id: 'd', role: 'dpo', al: null, mfa: false });
  });

  it('names the forbidding policy when a key from before joining is asked without history', () => {
    const nurse = user('n', 'nurse', 'N');
    const version = { kind: 'version', pt: 'pt-1', rl: 'L' } as const;
    const early = access.decide(nurse, 'releaseKey', version, inEpisode(nurse), { epoch: 2 });
    expect(early).toMatchObject({ allowed: false });
    expect(early.reasons).toContain('history.before-joining-needs-history');
    expect(
      access.decide(nurse, 'releaseKey', version, inEpisode(nurse), { epoch: 3 }).allowed,
    ).toBe(true);
  });
});
