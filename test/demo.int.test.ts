import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/core/config/index.js';
import { createLogger } from '../src/core/log.js';
import { startDemoWard, type DemoWard } from '../src/platform/demo/ward.js';
import { startPlatform, type Platform } from '../src/platform/server.js';
import { Browser, signInWeb } from '../src/auth-server/testing.js';
import { demoTokensFile } from '../src/clients/cli/demo-sign-in.js';
import { accessToken } from '../src/clients/cli/login.js';
import { Agent, fetch as undiciFetch } from 'undici';

const run = promisify(execFile);
const NOTES = ['slept badly', 'breathless on the stairs', 'evening tablets', 'feeling fine'];

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

/**
 * The demo as a newcomer meets it: the embedded platform with its ward
 * (SQLite, local TLS), and `tutela watch` run as four people, each a real
 * CLI process that decrypts on its own. Then nothing readable may be left:
 * not in a file, not in a database row, not in a log line.
 */
describe('the demo ward, watched as four people', () => {
  let dataDir: string;
  let platform: Platform;
  let ward: DemoWard;
  const logLines: string[] = [];

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'tutela-demo-'));
    const config = loadConfig(
      {},
      {
        dataDir,
        port: 0,
        logLevel: 'debug',
        demo: { enabled: true, patients: 2, tickMs: 150, timeScale: 60 },
      },
    );
    const log = createLogger('debug', { write: (line: string) => void logLines.push(line) });
    platform = await startPlatform(config, log);
    ward = await startDemoWard({
      config,
      appServer: platform.appServer!,
      platformUrl: platform.url,
      ca: platform.ca,
      caFile: platform.caFile,
      tls: platform.tls,
      devices: platform.devices,
      log,
    });
    ward.startEpisode('pt-0002', 'sepsis', 0);
    // Enough ticks for notes and the deterioration to show.
    await new Promise((r) => setTimeout(r, 2500));
  }, 60_000);

  afterAll(async () => {
    await ward?.close();
    await platform?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const watch = async (person: string, ...extra: string[]) => {
    const { stdout } = await run(
      process.execPath,
      [
        '--import',
        'tsx',
        'src/clients/cli/main.ts',
        'watch',
        '--as',
        person,
        '--once',
        '--patient',
        'pt-0002',
        '--data-dir',
        dataDir,
        ...extra,
      ],
      { timeout: 30_000 },
    );
    return stdout;
  };

  it('shows the doctor, the nurse, the insurer and the family four different, correctly redacted views', async () => {
    const [doctor, nurse, insurer, family] = await Promise.all([
      watch('doctor'),
      watch('nurse'),
      watch('insurer'),
      watch('family', '--alerts'),
    ]);
    // Everyone sees the deteriorating patient at high criticality.
    for (const out of [doctor, nurse, insurer, family])
      expect(out).toMatch(/pt-0002\s+criticality HIGH/);
    // A measured value with its unit (which vital signs a tick has depends on the devices: a probe falls off).
    const value = /\d (beats\/minute|breaths\/minute|°C|%|mmHg)/;
    expect(doctor).toMatch(/version R/);
    expect(doctor).toMatch(value);
    expect(doctor).toMatch(/Location\s+48\.86, 2\.36/);
    expect(nurse).toMatch(/version N/);
    expect(nurse).toMatch(value);
    expect(nurse).toMatch(/Location\s+\[withheld\]/);
    expect(insurer).toMatch(/version M/);
    expect(family).toMatch(/version L/);
    for (const out of [insurer, family]) {
      expect(out).not.toMatch(value);
      expect(out).toMatch(/Body temperature\s+\[withheld\]|Respiratory rate\s+\[withheld\]/);
      expect(out).not.toMatch(/48\.86/);
    }
    expect(new Set([doctor, nurse, insurer, family]).size).toBe(4);

    // Each signed in through the provider (device grant) and keeps their own tokens, 0600,
    // which the next run uses instead of signing in again; the demo files hold no token.
    const file = join(dataDir, 'clients', 'doctor', 'tokens.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const tokens = JSON.parse(readFileSync(file, 'utf8')) as { accessToken: string };
    expect(
      JSON.parse(Buffer.from(tokens.accessToken.split('.')[1]!, 'base64url').toString()),
    ).toMatchObject({
      sub: 'doctor',
      client_id: 'tutela-cli',
    });
    await watch('doctor');
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(tokens);
    expect(readFileSync(join(dataDir, 'demo', 'credentials.json'), 'utf8')).not.toMatch(/token/i);
  }, 60_000);

  it('gives each patient a user of their own, in their own episode with the demo people', async () => {
    expect(ward.people['patient-0001']).toMatchObject({ role: 'patient' });
    const view = await platform.appServer!.episodes.view('pt-0001', 'patient-0001');
    const people = view.participants.map((p) => [p.user, p.role, p.al]);
    expect(people[0]).toEqual(['patient-0001', 'patient', 'V']);
    expect(people.slice(1).sort()).toEqual([
      ['doctor', 'doctor', 'R'],
      ['family', 'family', 'L'],
      ['insurer', 'insurer', 'M'],
      ['nurse', 'nurse', 'N'],
      ['responder', 'responder', 'N'],
    ]);
    const own = await watch('patient-0002');
    expect(own).toMatch(/pt-0002\s+criticality/);
    expect(own).toMatch(/version V/);
    const theirs = await platform.appServer!.episodes.participationsOf('patient-0002');
    expect(theirs.map((p) => p.pt)).toEqual(['pt-0002']);
  }, 60_000);

  it('onboards each gateway with a claim code and a device certificate (TLS on)', async () => {
    for (const pt of ['pt-0001', 'pt-0002']) {
      const devices = await platform.devices!.onboarding.list(pt);
      expect(devices).toEqual([expect.objectContaining({ pt, status: 'active' })]);
      expect(devices[0]!.dev).toMatch(/^gw-[a-z2-7]{12}$/);
      expect(statSync(join(dataDir, 'demo', 'gateways', pt, 'tls-key.pem')).mode & 0o777).toBe(
        0o600,
      );
      // Its readings arrive: the application server accepted some from that device.
      const seq = await platform
        .appServer!.database.db.selectFrom('reading_seq')
        .select('last_seq')
        .where('dev', '=', devices[0]!.dev)
        .executeTakeFirst();
      expect(seq?.last_seq).toBeGreaterThan(0);
    }
  });

  it('lets each demo person sign in through the OpenID provider and see their own level', async () => {
    const sheet = JSON.parse(readFileSync(join(dataDir, 'demo', 'accounts.json'), 'utf8')) as {
      accounts: Record<string, { role: string; password: string; totpSecret?: string }>;
    };
    expect(statSync(join(dataDir, 'demo', 'accounts.json')).mode & 0o777).toBe(0o600);
    const expected: Record<string, string> = {
      doctor: 'R',
      nurse: 'N',
      responder: 'N',
      family: 'L',
      insurer: 'M',
      'patient-0001': 'V',
    };
    const dispatcher = new Agent({ connect: { ca: platform.ca! } });
    try {
      for (const [id, level] of Object.entries(expected)) {
        const a = sheet.accounts[id]!;
        // Clinical roles cannot sign in without their second factor.
        expect(Boolean(a.totpSecret)).toBe(['doctor', 'nurse', 'responder'].includes(id));
        const tokens = await signInWeb(
          platform.url,
          id,
          a.password,
          a.totpSecret,
          new Browser(platform.url, platform.ca),
          platform.ca,
        );
        const res = await undiciFetch(`${platform.url}/app/me`, {
          headers: { authorization: `Bearer ${String(tokens.access_token)}` },
          dispatcher,
        });
        const me = (await res.json()) as {
          id: string;
          patients: Array<{ pt: string; versions: string }>;
        };
        expect(me.id).toBe(id);
        expect(me.patients.length).toBeGreaterThan(0);
        for (const p of me.patients) expect(p.versions).toMatch(new RegExp(`/rl-${level}$`));
      }
    } finally {
      await dispatcher.close();
    }
    // The CLI gives the current code of a demo account for the demo without an app.
    const { stdout } = await run(
      process.execPath,
      [
        '--import',
        'tsx',
        'src/clients/cli/main.ts',
        'code',
        '--as',
        'nurse',
        '--data-dir',
        dataDir,
      ],
      { timeout: 30_000 },
    );
    expect(stdout.trim()).toMatch(/^\d{6}$/);
  }, 60_000);

  it('carries a remote command to an onboarded gateway (mutual TLS) and its sealed ack back', async () => {
    const dispatcher = new Agent({ connect: { ca: platform.ca! } });
    // The nurse's provider token, kept (and refreshed) by her tutela watch --as nurse above.
    const token = await accessToken(demoTokensFile(dataDir, 'nurse'), platform.ca);
    const call = async (method: string, path: string, body?: unknown) => {
      const res = await undiciFetch(`${platform.url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body ? { 'content-type': 'application/json' } : {}),
        },
        ...(body ? { body: JSON.stringify(body) } : {}),
        dispatcher,
      });
      return (await res.json()) as { command: { id: string; state: string; result?: unknown } };
    };
    try {
      const { command } = await call('POST', '/app/patients/pt-0001/commands', {
        kind: 'changeInterval',
        device: 'thermometer',
        params: { minutes: 20 },
      });
      expect(command.state).toBe('sent');
      let state = command.state;
      for (let i = 0; i < 150 && state === 'sent'; i++) {
        await new Promise((r) => setTimeout(r, 100));
        state = (await call('GET', `/app/patients/pt-0001/commands/${command.id}`)).command.state;
      }
      expect(state).toBe('acknowledged');
    } finally {
      await dispatcher.close();
    }
  }, 60_000);

  it('leaves no health data in clear in any file, database row or log line', async () => {
    const needles = [...NOTES, 'Observation', 'loinc', 'beats/minute', 'valueQuantity'];
    for (const file of filesUnder(dataDir)) {
      const text = readFileSync(file).toString('latin1');
      for (const n of needles) expect(text.includes(n), `"${n}" in ${file}`).toBe(false);
    }
    const rows = JSON.stringify([
      ...(await sql`select * from resources`.execute(platform.cse.ctx.db)).rows,
      ...(await sql`select * from notifications`.execute(platform.cse.ctx.db)).rows,
      ...(await sql`select * from audit`.execute(platform.appServer!.database.db)).rows,
    ]);
    for (const n of needles) expect(rows.includes(n), `"${n}" in a database row`).toBe(false);
    expect(logLines.length).toBeGreaterThan(0);
    const logs = logLines.join('');
    for (const n of needles) expect(logs.includes(n), `"${n}" in the log`).toBe(false);
  });
});
