import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { Agent, request } from 'undici';
import { Rsc, TutelaError } from '../../core/errors.js';
import { readPrivateFile, writePrivateFile } from '../../core/private-file.js';

/**
 * `tutela login`: the OAuth 2.0 device authorization grant (RFC 8628) for the
 * CLI (public client tutela-cli). It shows where to go and the code to enter,
 * polls the token endpoint at the interval the server asks for, and keeps the
 * tokens in `<dataDir>/clients/cli/tokens.json` (0600). Refreshing rotates the
 * refresh token, and the new one replaces the old on disk at once.
 */
export const CLI_CLIENT_ID = 'tutela-cli';
const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

const TokensSchema = Type.Object({
  url: Type.String(),
  accessToken: Type.String(),
  refreshToken: Type.Optional(Type.String()),
  /** Epoch ms. */
  expiresAt: Type.Number(),
});
export type StoredTokens = Static<typeof TokensSchema>;

export const tokensFile = (dataDir: string) => join(dataDir, 'clients', 'cli', 'tokens.json');

export interface LoginOptions {
  url: string;
  /** Where the tokens are kept (0600): tokensFile(dataDir), or a demo person's own file. */
  file: string;
  ca?: string | undefined;
  /** Shows the user where to sign in (the CLI prints it). */
  prompt: (p: {
    verificationUri: string;
    verificationUriComplete?: string;
    userCode: string;
  }) => void;
  /** Test hook. */
  sleep?: (ms: number) => Promise<void>;
}

type Json = Record<string, unknown>;

async function postForm(url: string, form: Record<string, string>, agent: Agent) {
  const res = await request(url, {
    method: 'POST',
    dispatcher: agent,
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams(form).toString(),
  });
  const text = await res.body.text();
  let body: Json = {};
  try {
    body = JSON.parse(text) as Json;
  } catch {
    /* not JSON: handled below by status */
  }
  return { status: res.statusCode, body };
}

function loginFailed(message: string): TutelaError {
  return new TutelaError('login_failed', Rsc.BAD_REQUEST, message);
}

export async function login(o: LoginOptions): Promise<StoredTokens> {
  const agent = new Agent(o.ca ? { connect: { ca: o.ca } } : {});
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  try {
    const start = await postForm(
      `${o.url}/oidc/device/auth`,
      { client_id: CLI_CLIENT_ID, scope: 'openid offline_access api' },
      agent,
    );
    const s = start.body;
    if (
      start.status !== 200 ||
      typeof s.device_code !== 'string' ||
      typeof s.user_code !== 'string'
    )
      throw loginFailed(`the platform refused to start a sign-in (HTTP ${start.status})`);
    o.prompt({
      verificationUri: String(s.verification_uri),
      ...(typeof s.verification_uri_complete === 'string'
        ? { verificationUriComplete: s.verification_uri_complete }
        : {}),
      userCode: s.user_code,
    });
    let intervalMs = (typeof s.interval === 'number' ? s.interval : 5) * 1000;
    const deadline = Date.now() + (typeof s.expires_in === 'number' ? s.expires_in : 600) * 1000;
    while (Date.now() < deadline) {
      await sleep(intervalMs);
      const res = await postForm(
        `${o.url}/oidc/token`,
        { grant_type: DEVICE_GRANT, device_code: s.device_code, client_id: CLI_CLIENT_ID },
        agent,
      );
      if (res.status === 200) return save(o.file, o.url, res.body);
      const error = res.body.error;
      // RFC 8628 §3.5: keep polling while pending; slow down by 5 s when asked.
      if (error === 'authorization_pending') continue;
      if (error === 'slow_down') {
        intervalMs += 5000;
        continue;
      }
      if (error === 'access_denied') throw loginFailed('the sign-in was refused on the web page');
      if (error === 'expired_token') break;
      throw loginFailed(`the platform refused the sign-in (${String(error ?? res.status)})`);
    }
    throw loginFailed('the code expired before the sign-in was completed; run tutela login again');
  } finally {
    await agent.close();
  }
}

/** A valid access token: the stored one, or a fresh one from the refresh token (rotated). */
export async function accessToken(file: string, ca?: string): Promise<string> {
  const stored = readTokens(file);
  if (!stored) throw loginFailed('not signed in: run tutela login');
  if (stored.expiresAt - 30_000 > Date.now()) return stored.accessToken;
  if (!stored.refreshToken) throw loginFailed('the sign-in expired: run tutela login');
  const agent = new Agent(ca ? { connect: { ca } } : {});
  try {
    const res = await postForm(
      `${stored.url}/oidc/token`,
      { grant_type: 'refresh_token', refresh_token: stored.refreshToken, client_id: CLI_CLIENT_ID },
      agent,
    );
    if (res.status !== 200)
      throw loginFailed('the sign-in ended (inactivity or revoked): run tutela login');
    return save(file, stored.url, res.body).accessToken;
  } finally {
    await agent.close();
  }
}

function save(file: string, url: string, body: Json): StoredTokens {
  if (typeof body.access_token !== 'string')
    throw loginFailed('the token response has no access token');
  const tokens: StoredTokens = {
    url,
    accessToken: body.access_token,
    ...(typeof body.refresh_token === 'string' ? { refreshToken: body.refresh_token } : {}),
    expiresAt: Date.now() + (typeof body.expires_in === 'number' ? body.expires_in : 60) * 1000,
  };
  writePrivateFile(file, `${JSON.stringify(tokens)}\n`);
  return tokens;
}

export function readTokens(file: string): StoredTokens | undefined {
  if (!existsSync(file)) return undefined;
  const parsed: unknown = JSON.parse(readPrivateFile(file, 'credentials_exposed'));
  if (!Value.Check(TokensSchema, parsed))
    throw new TutelaError(
      'credentials_invalid',
      Rsc.BAD_REQUEST,
      `${file} is not a Tutela tokens file`,
    );
  return parsed;
}
