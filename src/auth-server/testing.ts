import { createHash, randomBytes } from 'node:crypto';
import { Agent, fetch } from 'undici';
import { currentTotp } from './accounts/totp.js';

/**
 * A scripted browser for tests: follows the sign-in over real HTTP with a
 * cookie jar (paths honoured, as a browser would), no JavaScript.
 */
export class Browser {
  private readonly jar = new Map<string, { value: string; path: string }>();

  private readonly dispatcher: Agent | undefined;

  constructor(
    readonly base: string,
    ca?: string,
  ) {
    this.dispatcher = ca ? new Agent({ connect: { ca } }) : undefined;
  }

  async request(
    method: 'GET' | 'POST',
    url: string,
    form?: Record<string, string>,
    json?: unknown,
  ): Promise<{ status: number; location: string | undefined; text: string }> {
    const u = new URL(url, this.base);
    const cookie = [...this.jar.entries()]
      .filter(([, c]) => u.pathname.startsWith(c.path))
      .map(([name, c]) => `${name}=${c.value}`)
      .join('; ');
    const res = await fetch(u, {
      method,
      redirect: 'manual',
      ...(this.dispatcher ? { dispatcher: this.dispatcher } : {}),
      headers: {
        ...(cookie ? { cookie } : {}),
        ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
        ...(json !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(form ? { body: new URLSearchParams(form).toString() } : {}),
      ...(json !== undefined ? { body: JSON.stringify(json) } : {}),
    });
    for (const sc of res.headers.getSetCookie()) {
      const [pair = '', ...attrs] = sc.split(';').map((s) => s.trim());
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      const path = attrs.find((a) => a.toLowerCase().startsWith('path='))?.slice(5) ?? '/';
      const expired = attrs.some((a) => /^expires=Thu, 01 Jan 1970/i.test(a)) || value === '';
      if (expired) this.jar.delete(name);
      else this.jar.set(name, { value, path });
    }
    const location = res.headers.get('location') ?? undefined;
    return {
      status: res.status,
      location: location ? new URL(location, u).href : undefined,
      text: await res.text(),
    };
  }

  /** GET, following redirects until one leaves for `stopAt` or a page is shown. */
  async follow(url: string, stopAt?: string) {
    let r = await this.request('GET', url);
    let hops = 0;
    while (r.status >= 300 && r.status < 400 && r.location && hops++ < 10) {
      if (stopAt && r.location.startsWith(stopAt)) return r;
      r = await this.request('GET', r.location);
    }
    return r;
  }
}

export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** The form's action from a page. */
export function formAction(html: string): string {
  const m = /<form[^>]*action="([^"]+)"/.exec(html);
  if (!m) throw new Error('no form on the page');
  return m[1]!.replace(/&#(\d+);/g, (_s, c: string) => String.fromCharCode(Number(c)));
}

/** The value of a hidden input. */
export function hiddenInput(html: string, name: string): string {
  const m = new RegExp(`name="${name}" value="([^"]*)"`).exec(html);
  if (!m) throw new Error(`no ${name} input on the page`);
  return m[1]!;
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
