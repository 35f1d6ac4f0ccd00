#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { CaregiverSession } from '../caregiver/session.js';
import { renderVersion } from '../caregiver/render.js';
import { readDemoCredentials } from './credentials.js';
import { demoCode } from './demo-code.js';
import { demoSignIn } from './demo-sign-in.js';
import { accessToken, login, readTokens, tokensFile } from './login.js';

const USAGE = `Usage: tutela watch [--as <user>] [options]
       tutela login [--url <url>] [--ca <file>] [--data-dir <dir>]
       tutela code --as <user> [--data-dir <dir>]

code prints the current sign-in code of a demo account (doctor, nurse,
responder) from the sheet npm start wrote, for the demo without an app.

login signs this CLI in through the web page it shows (device grant, RFC 8628)
and keeps the tokens in <data dir>/clients/cli/tokens.json (0600).

watch subscribes to the signed-in person's patients and prints every new
version they may see, decrypted here with a key released to this device.
It uses the tokens of tutela login (refreshed as needed), or with --as signs
that demo person in through the platform's provider, from the demo sign-in
sheet npm start wrote (their tokens are then kept for the next run).

Options:
  --as <user>        sign in as this demo person (see what npm start printed)
  --patient <pt>     only this patient
  --alerts           only alerts (medium and high criticality)
  --data-dir <dir>   the platform's data directory (default ./.tutela, or TUTELA_DATA_DIR)
  --url <url>        the platform (default: from the demo credentials)
  --ca <file>        CA certificate to trust (default: the platform's local CA)
  --token <token>    an access token of the platform's provider (default: TUTELA_TOKEN)
  --once             print the latest version of each patient and exit`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      as: { type: 'string' },
      patient: { type: 'string' },
      alerts: { type: 'boolean', default: false },
      'data-dir': { type: 'string' },
      url: { type: 'string' },
      ca: { type: 'string' },
      token: { type: 'string' },
      once: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (positionals[0] === 'login' && !values.help) return runLogin(values);
  if (positionals[0] === 'code' && values.as) {
    const dir = resolve(values['data-dir'] ?? process.env.TUTELA_DATA_DIR ?? './.tutela');
    console.log(demoCode(dir, values.as));
    return 0;
  }
  if (values.help || positionals[0] !== 'watch') {
    console.log(USAGE);
    return values.help ? 0 : 2;
  }
  const dataDir = resolve(values['data-dir'] ?? process.env.TUTELA_DATA_DIR ?? './.tutela');
  const session = await watchSession(values, dataDir);
  if (typeof session === 'string') {
    console.error(session);
    return 2;
  }
  try {
    const me = await session.start();
    const patients = me.patients
      .map((p) => p.pt)
      .filter((pt) => !values.patient || pt === values.patient);
    console.log(
      `Signed in as ${me.id} (${me.role}, authorization level ${me.al}). Patients: ${patients.join(', ') || 'none'}.`,
    );
    const kind = values.alerts ? 'alerts' : 'all';
    for (const pt of patients) {
      const latest = await session.latest(pt, kind);
      if (latest) console.log(`${renderVersion(latest.sealed, latest.content)}\n`);
    }
    if (values.once) return 0;
    await session.listen(
      (v, via) => {
        // Subscriptions outlive a run: show only what this run asked for.
        if (!patients.includes(v.sealed.pt) || (kind === 'alerts' && via !== 'alerts')) return;
        console.log(`${renderVersion(v.sealed, v.content)}\n`);
      },
      (problem) => console.error(`! ${problem}`),
    );
    for (const pt of patients) await session.subscribe(pt, kind);
    console.log(`Watching ${kind === 'alerts' ? 'alerts' : 'every reading'} (Ctrl+C to stop).\n`);
    await new Promise<void>((done) => {
      process.once('SIGINT', done);
      process.once('SIGTERM', done);
    });
    return 0;
  } finally {
    await session.close();
  }
}

/**
 * The session of `tutela watch`, always with the provider's tokens: with
 * --token (or TUTELA_TOKEN) that access token; with --as, the demo person
 * signed in from the demo sign-in sheet (./demo-sign-in.ts); otherwise the
 * tokens `tutela login` kept. Stored tokens are refreshed (and rotated) when
 * they near expiry. A string says why there is no session.
 */
async function watchSession(
  values: { as?: string; url?: string; ca?: string; token?: string },
  dataDir: string,
): Promise<CaregiverSession | string> {
  const demo = readDemoCredentials(dataDir);
  const caFile = values.ca ?? demo?.caFile;
  const ca = caFile ? readFileSync(caFile, 'utf8') : undefined;
  const given = values.token ?? process.env.TUTELA_TOKEN;
  if (given !== undefined || values.as !== undefined) {
    const url = values.url ?? demo?.url;
    if (!url)
      return `No platform to watch: pass --url, or run this where npm start keeps its data (${dataDir}).`;
    if (given !== undefined)
      return new CaregiverSession({
        baseUrl: url,
        token: given,
        ca,
        stateDir: join(dataDir, 'clients', subjectOf(given)),
      });
    const user = values.as!;
    const file = await demoSignIn({ url, dataDir, user, ca });
    return new CaregiverSession({
      baseUrl: url,
      token: () => accessToken(file, ca),
      ca,
      stateDir: join(dataDir, 'clients', user),
    });
  }
  const file = tokensFile(dataDir);
  const stored = readTokens(file);
  if (!stored) return `Not signed in: run tutela login (or pass --as <user>).\n\n${USAGE}`;
  return new CaregiverSession({
    baseUrl: values.url ?? stored.url,
    token: () => accessToken(file, ca),
    ca,
    // One state directory (device key) per person: the subject of the stored token.
    stateDir: join(dataDir, 'clients', subjectOf(stored.accessToken)),
  });
}

/**
 * The subject of this CLI's own access token, read without verifying it:
 * only to name a local directory (the platform verifies every use).
 */
function subjectOf(jwt: string): string {
  try {
    const payload = JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString()) as {
      sub?: unknown;
    };
    if (typeof payload.sub === 'string' && /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$/.test(payload.sub))
      return payload.sub;
  } catch {
    // fall through
  }
  return 'cli';
}

async function runLogin(values: { url?: string; ca?: string; 'data-dir'?: string }) {
  const dataDir = resolve(values['data-dir'] ?? process.env.TUTELA_DATA_DIR ?? './.tutela');
  const demo = readDemoCredentials(dataDir);
  const url = values.url ?? demo?.url;
  if (!url) {
    console.error('Pass --url <platform url> (or run this where npm start keeps its data).');
    return 2;
  }
  const caFile = values.ca ?? demo?.caFile;
  await login({
    url,
    file: tokensFile(dataDir),
    ca: caFile ? readFileSync(caFile, 'utf8') : undefined,
    prompt: (p) =>
      console.log(
        `To sign in, open ${p.verificationUriComplete ?? p.verificationUri}\nand check that it shows the code ${p.userCode}. Waiting…`,
      ),
  });
  console.log(
    `Signed in. Tokens kept in ${join(dataDir, 'clients', 'cli', 'tokens.json')} (0600).`,
  );
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? `tutela: ${err.message}` : err);
    process.exit(1);
  },
);
