import Fastify from 'fastify';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { bearerFrom } from './bearer.js';
import { createAccessTokenVerifier } from './verifier.js';

const ISS = 'https://tutela.example/oidc';
const AUD = 'https://tutela.example';

async function setup() {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256' };
  const verifier = createAccessTokenVerifier({ issuer: ISS, audience: AUD, jwks: { keys: [jwk] } });
  const sign = (claims: Record<string, unknown>, typ = 'at+jwt', exp = '5m', aud = AUD) =>
    new SignJWT({
      client_id: 'tutela-web',
      scope: 'api',
      role: 'nurse',
      amr: ['pwd', 'otp'],
      ...claims,
    })
      .setProtectedHeader({ alg: 'ES256', typ, kid: 'k1' })
      .setIssuer(ISS)
      .setAudience(aud)
      .setSubject('nurse-1')
      .setIssuedAt()
      .setJti('j1')
      .setExpirationTime(exp)
      .sign(privateKey);
  const app = Fastify();
  const bearer = bearerFrom(verifier);
  app.get('/me', async (req, reply) => {
    const caller = await bearer(req, reply);
    if (!caller) return reply;
    return caller;
  });
  return { app, sign };
}

describe('bearerFrom', () => {
  it('returns the caller of a valid RFC 9068 access token', async () => {
    const { app, sign } = await setup();
    const res = await app.inject({
      url: '/me',
      headers: { authorization: `Bearer ${await sign({})}` },
    });
    expect(res.statusCode).toBe(200);
    const { expiresAt, ...caller } = res.json<{ expiresAt: number }>();
    expect(caller).toEqual({
      sub: 'nurse-1',
      role: 'nurse',
      clientId: 'tutela-web',
      scope: ['api'],
      amr: ['pwd', 'otp'],
    });
    // Its exp (5 minutes from now, whole seconds) in epoch ms.
    expect(expiresAt % 1000).toBe(0);
    expect(Math.abs(expiresAt - (Date.now() + 300_000))).toBeLessThan(5_000);
  });

  it('answers 401 with an RFC 6750 challenge otherwise', async () => {
    const { app, sign } = await setup();
    const none = await app.inject({ url: '/me' });
    expect(none.statusCode).toBe(401);
    expect(none.headers['www-authenticate']).toBe('Bearer realm="tutela"');
    expect(none.json()).toMatchObject({ error: 'unauthenticated' });
    const cases = [
      await sign({}, 'JWT'), // an ID token or other JWT: wrong typ (RFC 9068 §4)
      await sign({}, 'at+jwt', '-1m'), // expired
      await sign({}, 'at+jwt', '5m', 'https://other.example'), // another resource server
      (await sign({})).slice(0, -4) + 'AAAA', // bad signature
    ];
    for (const token of cases) {
      const res = await app.inject({ url: '/me', headers: { authorization: `Bearer ${token}` } });
      expect(res.statusCode).toBe(401);
      expect(res.headers['www-authenticate']).toMatch(
        /^Bearer realm="tutela", error="invalid_token", error_description="[^"]+"$/,
      );
      expect(res.json()).toMatchObject({ error: 'invalid_token' });
    }
    const basic = await app.inject({ url: '/me', headers: { authorization: 'Basic abc' } });
    expect(basic.statusCode).toBe(400);
    expect(basic.headers['www-authenticate']).toContain('error="invalid_request"');
  });
});
