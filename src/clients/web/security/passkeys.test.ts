import { describe, expect, it } from 'vitest';
import { addPasskey } from '../api/passkeys.js';
import { ApiError, type Api } from '../session/api.js';
import { passkeyProblem, passkeysPossibleAt } from './text.js';

describe('adding a passkey', () => {
  it('asks the provider for options, runs the ceremony on them, and sends its answer back', async () => {
    const calls: Array<[string, string, unknown]> = [];
    const api = (async (method: string, path: string, body?: unknown) => {
      calls.push([method, path, body]);
      return path.endsWith('registration-options')
        ? { challenge: 'c1', rp: { name: 'T' } }
        : { id: 'pk-1' };
    }) as Api;
    const seen: unknown[] = [];
    const added = await addPasskey(api, async (o) => {
      seen.push(o.optionsJSON);
      return { id: 'cred', rawId: 'cred', type: 'public-key', response: {} } as never;
    });
    expect(added).toEqual({ id: 'pk-1' });
    expect(seen).toEqual([{ challenge: 'c1', rp: { name: 'T' } }]);
    expect(calls.map(([m, p]) => `${m} ${p}`)).toEqual([
      'POST /auth/passkeys/registration-options',
      'POST /auth/passkeys',
    ]);
    expect(calls[1]![2]).toMatchObject({ id: 'cred', type: 'public-key' });
  });

  it('sends nothing when the ceremony fails', async () => {
    const calls: string[] = [];
    const api = (async (_m: string, path: string) => {
      calls.push(path);
      return {};
    }) as Api;
    const cancelled = Object.assign(new Error('cancelled'), { name: 'NotAllowedError' });
    await expect(addPasskey(api, () => Promise.reject(cancelled))).rejects.toBe(cancelled);
    expect(calls).toEqual(['/auth/passkeys/registration-options']);
  });

  it('says in words why no passkey was added', () => {
    expect(passkeyProblem(new ApiError(403, 'second_factor_required', 'x'))).toMatch(
      /second factor: sign out/,
    );
    const named = (name: string) => Object.assign(new Error('x'), { name });
    expect(passkeyProblem(named('NotAllowedError'))).toMatch(/cancelled or timed out/);
    expect(passkeyProblem(named('InvalidStateError'))).toMatch(/already holds a passkey/);
    expect(passkeyProblem(named('SecurityError'))).toMatch(/cannot make a passkey/);
  });

  it('knows browsers make passkeys for host names only', () => {
    expect(passkeysPossibleAt('localhost')).toBe(true);
    expect(passkeysPossibleAt('tutela.hospital.example')).toBe(true);
    expect(passkeysPossibleAt('127.0.0.1')).toBe(false);
    expect(passkeysPossibleAt('[::1]')).toBe(false);
  });
});
