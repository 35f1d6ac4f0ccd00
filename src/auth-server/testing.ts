import { createHash, randomBytes } from 'node:crypto';
import { Agent, fetch } from 'undici';
import { Browser, formAction } from '../core/http/scripted-browser.js';
import { currentTotp } from './accounts/totp.js';

export { Browser, formAction, hiddenInput } from '../core/http/scripted-browser.js';

export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export async function tokenRequest(
  url: string,
  form: Record<string, string>,
  basic?: string,
  ca?: string,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${url}/oidc/token`, {
    method: 'POST',
    ...(ca ? { dispatcher: new Agent({ connect: { ca } }) } : {}),
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(basic ? { authorization: `Basic ${Buffer.from(basic).toString('base64')}` } : {}),
    },
    body: new URLSearchParams(form).toString(),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** Authorization code + PKCE for tutela-web, signing in on the server-rendered pages. */
export async function signInWeb(
  url: string,
  login: string,
  password: string,
  totpSecret?: string,
  browser = new Browser(url),
  ca?: string,
): Promise<Record<string, unknown>> {
  const { verifier, challenge } = pkcePair();
  const redirect = `${url}/web/callback`;
  const auth = new URL(`${url}/oidc/auth`);
  auth.search = new URLSearchParams({
    client_id: 'tutela-web',
    response_type: 'code',
    redirect_uri: redirect,
    scope: 'openid offline_access api',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state: 'st4te',
  }).toString();
  const loginPage = await browser.follow(auth.href);
  check(
    loginPage.status === 200 && loginPage.text.includes('<label for="password">Password</label>'),
    'login page',
    loginPage,
  );
  let r = await browser.request('POST', formAction(loginPage.text), { login, password });
  if (totpSecret) {
    check(r.status === 200 && r.text.includes('authenticator app'), 'second-factor page', r);
    r = await browser.request('POST', formAction(r.text), { otp: currentTotp(totpSecret) });
    // This step's code was spent (a code is accepted once): the next step's, within the drift window.
    if (r.status === 401 && r.text.includes('authenticator app'))
      r = await browser.request('POST', formAction(r.text), {
        otp: currentTotp(totpSecret, Date.now() + 30_000),
      });
  }
  check(r.status === 303, 'redirect after sign-in', r);
  const cb = await browser.follow(r.location!, redirect);
  const code = new URL(cb.location!).searchParams.get('code');
  check(
    !!code && new URL(cb.location!).searchParams.get('state') === 'st4te',
    'code and state',
    cb,
  );
  const tokens = await tokenRequest(
    url,
    {
      grant_type: 'authorization_code',
      code: code!,
      code_verifier: verifier,
      redirect_uri: redirect,
      client_id: 'tutela-web',
    },
    undefined,
    ca,
  );
  check(tokens.status === 200, 'token response', tokens);
  return tokens.body;
}

function check(ok: boolean, what: string, got: unknown): void {
  if (!ok) throw new Error(`unexpected ${what}: ${JSON.stringify(got).slice(0, 500)}`);
}
