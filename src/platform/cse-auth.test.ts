import { describe, expect, it } from 'vitest';
import type { Caller } from '../core/auth/index.js';
import type { OriginatorCheck } from '../service-layer/cse/index.js';
import { cseOriginatorAuth } from './cse-auth.js';

const check = (originator: string, token?: string): OriginatorCheck => ({
  originator,
  op: 2,
  to: '/cse-in',
  certificate: undefined,
  token,
  ip: '127.0.0.1',
});

const EXPIRES_AT = 1_900_000_000_000;

/** A verifier that knows tokens by name: "jwt.<sub>.<role|->.<client>". */
const verifier = async (token: string): Promise<Caller> => {
  const [, sub, role, clientId] = token.split('.');
  if (!sub || !clientId) throw new Error('signature verification failed');
  return {
    sub,
    role: role === '-' ? undefined : role,
    clientId,
    scope: ['api'],
    amr: undefined,
    expiresAt: EXPIRES_AT,
  };
};

describe('cseOriginatorAuth', () => {
  it('sends gateways to the device check, whatever tokens say', async () => {
    const seen: string[] = [];
    const auth = cseOriginatorAuth({
      devices: async (c) => {
        seen.push(c.originator);
        return 'no certificate';
      },
      requireTokens: true,
      verifier: () => verifier,
    });
    expect(await auth(check('Cgw-1', 'jwt.gw-1.family.tutela-web'))).toBe('no certificate');
    expect(seen).toEqual(['Cgw-1']);
  });

  it('takes X-M2M-Origin as given when tokens are not required', async () => {
    const auth = cseOriginatorAuth({ requireTokens: false, verifier: () => verifier });
    expect(await auth(check('Canyone'))).toBeUndefined();
  });

  it('refuses everyone but gateways until the provider runs', async () => {
    const auth = cseOriginatorAuth({ requireTokens: true, verifier: () => undefined });
    expect(await auth(check('Cfam', 'jwt.fam.family.tutela-web'))).toMatch(/not ready/);
    expect(await auth(check('Cfam'))).toMatchObject({ rsc: 4107 });
  });

  it('matches the subject, the application server’s client, and interim tokens; a token admits until it expires', async () => {
    const auth = cseOriginatorAuth({
      requireTokens: true,
      verifier: () => verifier,
      person: async (t) => (t.includes('ghost') ? undefined : t.split('.')[1]),
      interim: async (t) => (t === 'api-fam' ? 'fam' : undefined),
    });
    expect(await auth(check('Cfam', 'jwt.fam.family.tutela-web'))).toEqual({ until: EXPIRES_AT });
    expect(await auth(check('Cnur', 'jwt.fam.family.tutela-web'))).toMatch(/Cfam's, not Cnur's/);
    expect(await auth(check('Cghost', 'jwt.ghost.family.tutela-web'))).toMatch(/not a person/);
    expect(await auth(check('Ctutela-app', 'jwt.tutela-app-server.-.tutela-app-server'))).toEqual({
      until: EXPIRES_AT,
    });
    expect(await auth(check('Ctutela-app', 'jwt.fam.family.tutela-web'))).toMatch(/only a client/);
    expect(await auth(check('Cfam', 'jwt.tutela-app-server.-.tutela-app-server'))).toMatch(
      /acting for itself/,
    );
    expect(await auth(check('Cfam', 'jwt.x'))).toMatch(/not valid: signature/);
    expect(await auth(check('Cfam', 'api-fam'))).toBeUndefined();
    expect(await auth(check('Cnur', 'api-fam'))).toMatch(/API token is Cfam's/);
    expect(await auth(check('', 'jwt.fam.family.tutela-web'))).toMatch(/own AE-ID/);
  });

  it('refuses interim tokens when they are off', async () => {
    const auth = cseOriginatorAuth({ requireTokens: true, verifier: () => verifier });
    expect(await auth(check('Cfam', 'api-fam'))).toMatch(/interim API tokens are off/);
  });
});
