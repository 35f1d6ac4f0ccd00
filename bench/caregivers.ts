import WebSocket from 'ws';
import { CaregiverSession } from '../src/clients/caregiver/session.js';
import { WS_BEARER_PREFIX } from '../src/core/m2m/index.js';
import { nowMs } from './stats.js';

export interface CaregiverOptions {
  baseUrl: string;
  token: string;
  /** Where the caregiver client keeps its device key (a temp dir of the benchmark). */
  stateDir: string;
  /** 'all': the patient's rl-<AL> container; 'alerts': alert-<AL>. */
  kind: 'all' | 'alerts';
  patients: string[];
  /** Decrypts one notification in this many (and the first), to prove the content is real. */
  sampleEvery: number;
  /** Expected pulse of a tick, by src, to check a decrypted version against. */
  expectedPulse: (src: string) => number | undefined;
}

export interface Caregiver {
  ae: string;
  /** Arrival time (ms, performance.timeOrigin + now) of the first notification of each src. */
  arrivals: Map<string, number>;
  duplicates: number;
  /** Notifications that were not a sealed version. */
  other: number;
  /** Versions decrypted with a data key released to this client's device, and how many matched. */
  decrypted: number;
  decryptedOk: number;
  decryptProblems: string[];
  /**
   * Times the CSE cut this caregiver's channel (1008, access withdrawn) and
   * it connected again at once, as a real client does: a responder's R
   * access ends when a high alert is resolved (docs/alerts.md), and the CSE
   * then cuts the AE's channels (ISSUE-4 item 3). Notifications meanwhile are
   * parked by the CSE and delivered on reconnect.
   */
  reconnects: number;
  /** Waits for the sample decryptions still under way. */
  settle(): Promise<void>;
  close(): Promise<void>;
}

interface Frame {
  rqi?: string;
  pc?: { 'm2m:sgn'?: { vrq?: boolean; nev?: { rep?: { 'm2m:cin'?: { con?: unknown } } } } };
}

/** The heart rate of an opened version (LOINC 8867-4), if the version shows it. */
function pulseOf(content: unknown): number | undefined {
  const entries = (content as { entry?: Array<{ resource?: Record<string, unknown> }> }).entry;
  for (const e of entries ?? []) {
    const r = e.resource as {
      resourceType?: string;
      code?: { coding?: Array<{ code?: string }> };
      valueQuantity?: { value?: number };
    };
    if (r?.resourceType === 'Observation' && r.code?.coding?.some((c) => c.code === '8867-4'))
      return r.valueQuantity?.value;
  }
  return undefined;
}

/**
 * A caregiver as the benchmark sees one: a real CaregiverSession signs in,
 * registers its device key and its AE and subscribes; the notifications are
 * then taken on the CSE's WebSocket channel by this lean receiver, which
 * acknowledges each at once (as CaregiverSession does) and times it by the
 * `src` in the sealed version's clear header, without decrypting. One
 * notification in `sampleEvery` is decrypted through the session (data key
 * released by the key service, wrapped to this device) and its heart rate
 * checked against what the gateway measured.
 */
export async function startCaregiver(opts: CaregiverOptions): Promise<Caregiver> {
  const session = new CaregiverSession({
    baseUrl: opts.baseUrl,
    token: opts.token,
    stateDir: opts.stateDir,
  });
  const me = await session.start();
  const c = {
    ae: me.ae,
    arrivals: new Map<string, number>(),
    duplicates: 0,
    other: 0,
    decrypted: 0,
    decryptedOk: 0,
    decryptProblems: [] as string[],
    reconnects: 0,
  };
  const pending = new Set<Promise<void>>();
  let seen = 0;
  const sample = (con: string, src: string) => {
    const p = session.open(con).then(
      (v) => {
        c.decrypted++;
        const want = opts.expectedPulse(src);
        const got = pulseOf(v.content);
        if (v.sealed.src === src && want !== undefined && got === want) c.decryptedOk++;
        else if (c.decryptProblems.length < 5)
          c.decryptProblems.push(`${src}: heart rate ${String(got)}, expected ${String(want)}`);
      },
      (err: unknown) => {
        c.decrypted++;
        if (c.decryptProblems.length < 5) c.decryptProblems.push((err as Error).message);
      },
    );
    pending.add(p);
    void p.finally(() => pending.delete(p));
  };

  // The channel proves its AE with the caregiver's token, as the CLI and the web app do.
  const channel = () =>
    new WebSocket(`${opts.baseUrl.replace(/^http/, 'ws')}/ws?ae=${encodeURIComponent(me.ae)}`, [
      'oneM2M.json',
      `${WS_BEARER_PREFIX}${opts.token}`,
    ]);
  let closing = false;
  let ws = channel();
  const onMessage = (data: WebSocket.RawData) => {
    const arrived = nowMs();
    let frame: Frame;
    try {
      frame = JSON.parse(String(data)) as Frame;
    } catch {
      c.other++;
      return;
    }
    if (frame.rqi) ws.send(JSON.stringify({ rsc: 2000, rqi: frame.rqi }));
    const con = frame.pc?.['m2m:sgn']?.nev?.rep?.['m2m:cin']?.con;
    if (typeof con !== 'string') {
      if (!frame.pc?.['m2m:sgn']?.vrq) c.other++;
      return;
    }
    let src: unknown;
    try {
      src = (JSON.parse(con) as { src?: unknown }).src;
    } catch {
      src = undefined;
    }
    if (typeof src !== 'string') {
      c.other++;
      return;
    }
    if (c.arrivals.has(src)) c.duplicates++;
    else c.arrivals.set(src, arrived);
    if (seen++ % opts.sampleEvery === 0) sample(con, src);
  };
  const onClose = (code: number) => {
    if (closing || code !== 1008) return;
    c.reconnects++;
    ws = channel();
    ws.on('message', onMessage);
    ws.on('close', onClose);
    ws.on('error', () => undefined);
  };
  ws.on('message', onMessage);
  ws.on('close', onClose);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) =>
      reject(new Error(`notification channel refused: HTTP ${res.statusCode}`)),
    );
  });
  for (const pt of opts.patients) await session.subscribe(pt, opts.kind);

  return Object.assign(c, {
    settle: async () => {
      await Promise.all([...pending]);
    },
    close: async () => {
      closing = true;
      ws.close();
      await session.close();
    },
  });
}
