import { relative, resolve } from 'node:path';
import { loadConfig } from '../core/config/index.js';
import { createLogger } from '../core/log.js';
import { TutelaError } from '../core/errors.js';
import { startPlatform } from './server.js';
import { startDemoWard, type DemoWard } from './demo/ward.js';
import { ROLE_AL } from '../app-server/directory/roles.js';

/** `npm start`: the embedded platform, and how to reach it. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    console.error(err instanceof TutelaError ? err.message : err);
    process.exit(2);
  }
  const log = createLogger(config.logLevel);
  const platform = await startPlatform(config, log);
  let ward: DemoWard | undefined;
  if (config.demo.enabled && platform.appServer) {
    try {
      ward = await startDemoWard({
        config,
        appServer: platform.appServer,
        platformUrl: platform.url,
        ca: platform.ca,
        caFile: platform.caFile,
        tls: platform.tls,
        devices: platform.devices,
        log,
      });
    } catch (err) {
      await platform.close();
      throw err;
    }
  }
  const rel = (p: string) =>
    relative(process.cwd(), p).startsWith('..') ? p : relative(process.cwd(), p);
  const cse = `${platform.url}/${config.cse.rn}`;
  const cacert = platform.caFile ? ` --cacert ${rel(platform.caFile)}` : '';
  const wsUrl = platform.url.replace(/^http/, 'ws');
  console.log(`
Tutela is running (embedded mode).

  Service layer (oneM2M CSE ${config.cse.cseId}):  ${cse}
  Notifications (WebSocket, oneM2M.json):  ${wsUrl}/ws?ae=<your AE-ID>
  Health:                                  ${platform.url}/healthz
  Web app:                                 ${platform.url}/web/
${platform.authServer ? `  OpenID provider (sign-in):               ${platform.authServer.issuer}/.well-known/openid-configuration\n` : ''}  Storage:                                 ${platform.databaseLocation}
${platform.caFile ? `  TLS: trust the local CA                  ${rel(platform.caFile)}\n` : '  TLS: OFF (only behind a TLS-terminating proxy)\n'}
Register an application and read the CSE:
  curl${cacert} -X POST ${cse} \\
    -H 'X-M2M-Origin: Cdemo' -H 'X-M2M-RI: 1' -H 'X-M2M-RVI: 3' \\
    -H 'Content-Type: application/json;ty=2' \\
    -d '{"m2m:ae": {"rn": "demo", "api": "Ndemo", "rr": false, "srv": ["3"]}}'
  curl${cacert} ${cse}/demo -H 'X-M2M-Origin: Cdemo' -H 'X-M2M-RI: 2' -H 'X-M2M-RVI: 3'

${ward ? wardBanner(ward, config.demo.tickMs, config.dataDir) : ''}${platform.authServer?.demo ? signInBanner(platform.authServer.demo, platform.url, rel) : ''}Stop with Ctrl+C.`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping');
    (ward ? ward.close() : Promise.resolve())
      .then(() => platform.close())
      .then(
        () => process.exit(0),
        (err: unknown) => {
          log.error({ err }, 'shutdown failed');
          process.exit(1);
        },
      );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err: unknown) => {
  console.error('Tutela failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});

/** What the demo ward runs, and how to watch it as each person. */
function wardBanner(ward: DemoWard, tickMs: number, dataDir: string): string {
  const dir = dataDir === resolve('./.tutela') ? '' : ` --data-dir ${dataDir}`;
  const patients = ward.patients
    .map((p) => `${p.pt}${p.episode ? ` (develops ${p.episode})` : ''}`)
    .join(', ');
  const people = Object.entries(ward.people)
    .map(([id, p]) => {
      const al = ROLE_AL[p.role as keyof typeof ROLE_AL];
      const flag = p.role === 'responder' || p.role === 'family' ? ' --alerts' : '';
      const cmd = `  npx tutela watch --as ${id}${flag}${dir}`;
      return `${cmd.padEnd(Math.max(48, cmd.length + 2))}${p.role}, sees version ${al}`;
    })
    .join('\n');
  return `
Demo ward: ${patients}.
  Each patient's gateway reads their WoT Things (${ward.thingsUrl}/things) every ${tickMs / 1000} s,
  seals the readings and sends them through the CSE; the application server scores NEWS2,
  redacts one version per level and seals each. Nothing readable is stored.

Watch as each person (in another terminal; decrypted there, withheld fields shown as [withheld]):
${people}
  Each signs in through the platform's OpenID provider with the sheet below
  (the first run of each asks the provider for their tokens; later runs refresh them).

`;
}

/** The demo accounts (made at first start), printed so a newcomer can sign in as each person. */
function signInBanner(
  demo: {
    file: string;
    accounts: Record<string, { role: string; password: string; totpSecret?: string }>;
  },
  url: string,
  rel: (p: string) => string,
): string {
  const rows = Object.entries(demo.accounts)
    .map(
      ([id, a]) =>
        `  ${id.padEnd(14)}${a.role.padEnd(11)}${a.password}${a.totpSecret ? '   + TOTP code' : ''}`,
    )
    .join('\n');
  return `Sign in to the web app (${url}/web/, "Sign in with your Tutela account") as a demo person:
  user          role       password
${rows}
  Doctor, nurse and responder also enter a code from an authenticator app: add the otpauth://
  URI of their totpSecret from ${rel(demo.file)} (0600), or print the current code with
  npx tutela code --as <user>. CLI: npx tutela login (device sign-in).

`;
}
