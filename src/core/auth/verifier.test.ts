import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { createAccessTokenVerifier, passedSecondFactor } from './verifier.js';

const ISS = 'https://tutela.example/oidc';
const AUD = 'https://tutela.example';

describe('the access-token verifier', () => {
  it('checks a token once, then only its expiry, and refuses it once expired', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256' };
    let now = Date.now();
    const verify = createAccessTokenVerifier({
      issuer: ISS,
      audience: AUD,
      jwks: { keys: [jwk] },
      clockToleranceSec: 0,
      currentDate: () => new Date(now),
    });
    const iat = Math.floor(now / 1000);
    const token = await new SignJWT({ client_id: 'tutela-app-server', scope: 'api' })
      .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: 'k1' })
      .setIssuer(ISS)
      .setAudience(AUD)
      .setSubject('tutela-app-server')
      .setIssuedAt(iat)
      .setJti('j1')
      .setExpirationTime(iat + 60)
      .sign(privateKey);
    const first = await verify(token);
    expect(first).toMatchObject({ sub: 'tutela-app-server', clientId: 'tutela-app-server' });
    expect(await verify(token)).toBe(first); // the cached answer
    now += 61_000;
    await expect(verify(token)).rejects.toMatchObject({ error: 'invalid_token' });
    // A token altered by one character is never taken for the cached one.
    now -= 61_000;
    const forged = `${token.slice(0, -2)}${token.endsWith('A') ? 'B' : 'A'}${token.slice(-1)}`;
    await expect(verify(forged)).rejects.toMatchObject({ error: 'invalid_token' });
  });

  it('counts a one-time code or a hardware key as a second factor, a password alone not', () => {
    expect(passedSecondFactor({ amr: ['pwd', 'otp'] })).toBe(true);
    expect(passedSecondFactor({ amr: ['hwk', 'user'] })).toBe(true);
    expect(passedSecondFactor({ amr: ['pwd'] })).toBe(false);
    expect(passedSecondFactor({ amr: undefined })).toBe(false);
  });
});
