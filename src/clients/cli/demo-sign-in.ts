import { join } from 'node:path';
import { Browser, formAction, hiddenInput } from '../../core/http/scripted-browser.js';
import { demoAccount, totpCode } from './demo-code.js';
import { accessToken, login, readTokens } from './login.js';

/** What the person types on the device-grant pages (RFC 8628 §3.3). */
export interface DeviceApproval {
  login: string;
  password: string;
  /** The TOTP code of this time step (0) or the next (1), for accounts that have a second factor. */
  otp?: (stepsAhead: number) => string;
}

/**
 * The part of the device grant a person does in their browser: enter the
 * code, confirm it, sign in (password, then the authenticator code when the
 * account has one). Done over HTTP on the provider's own pages.
 */
export async function approveDevice(
  url: string,
  verificationUri: string,
  userCode: string,
  who: DeviceApproval,
  ca?: string,
): Promise<void> {
  const b = new Browser(url, ca);
  const entry = await b.request('GET', verificationUri);
  const confirm = await b.request('POST', formAction(entry.text), {
    xsrf: hiddenInput(entry.text, 'xsrf'),
    user_code: userCode,
  });
  let r = await b.request('POST', formAction(confirm.text), {
    xsrf: hiddenInput(confirm.text, 'xsrf'),
    user_code: hiddenInput(confirm.text, 'user_code'),
    confirm: 'yes',
  });
  r = await b.follow(r.location!);
  r = await b.request('POST', formAction(r.text), { login: who.login, password: who.password });
  // A code is accepted once (RFC 6238 §5.2): when this step's was just used (the same person
  // signing in elsewhere), the next step's code, which the provider's drift window admits.
  for (let ahead = 0; ahead < 2 && who.otp && isOtpPage(r); ahead++)
    r = await b.request('POST', formAction(r.text), { otp: who.otp(ahead) });
  if (!r.location) throw new Error(`the sign-in of ${who.login} was refused (HTTP ${r.status})`);
  r = await b.follow(r.location);
  if (!r.text.includes('Device signed in'))
    throw new Error(`the device sign-in of ${who.login} was not confirmed`);
}

/** The second-factor page: asked for (200) or shown again after a refused code (401). */
const isOtpPage = (r: { status: number; text: string }) =>
  (r.status === 200 || r.status === 401) && r.text.includes('authenticator app');

/** A demo person's own tokens: `<dataDir>/clients/<user>/tokens.json` (0600). */
export const demoTokensFile = (dataDir: string, user: string) =>
  join(dataDir, 'clients', user, 'tokens.json');

/**
 * `tutela watch --as <demo person>`: that person signed in through the
 * platform's OpenID provider, as `tutela login` signs anyone in (device
 * grant, client tutela-cli), with the web page's part done here from the
 * demo sign-in sheet npm start wrote (`<dataDir>/demo/accounts.json`, 0600):
 * their password and, for clinical roles, a code of their TOTP secret. The
 * tokens are the provider's like any others; later runs refresh them.
 * For the demo on the machine that runs it: real people use tutela login.
 * Returns the tokens file.
 */
export async function demoSignIn(o: {
  url: string;
  dataDir: string;
  user: string;
  ca?: string | undefined;
}): Promise<string> {
  const file = demoTokensFile(o.dataDir, o.user);
  if (readTokens(file)?.url === o.url) {
    // Still signed in (or refreshable): the sheet's code is not spent again.
    const ok = await accessToken(file, o.ca).then(
      () => true,
      () => false,
    );
    if (ok) return file;
  }
  const { password, totpSecret } = demoAccount(o.dataDir, o.user);
  if (!password) throw new Error(`the demo sign-in sheet has no password for ${o.user}`);
  let approval: Promise<void> | undefined;
  await login({
    url: o.url,
    file,
    ca: o.ca,
    prompt: (p) => {
      approval = approveDevice(
        o.url,
        p.verificationUri,
        p.userCode,
        {
          login: o.user,
          password,
          ...(totpSecret
            ? { otp: (ahead: number) => totpCode(totpSecret, Date.now() + ahead * 30_000) }
            : {}),
        },
        o.ca,
      );
      // Surfaced by the first poll; never an unhandled rejection meanwhile.
      approval.catch(() => undefined);
    },
    // Poll once the page's part is done, not at the provider's 5 s interval.
    sleep: async () => {
      await approval;
    },
  });
  return file;
}
