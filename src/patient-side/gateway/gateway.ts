import type { Logger } from '../../core/log.js';
import type { M2MClient } from '../../core/m2m/index.js';
import { sealReading, type HpkeKey, type HpkeKeyPair } from '../../crypto/hpke.js';
import type { Reading, ReadingBatch } from '../../protocol/reading.js';
import type { Spool } from './spool.js';

/** Where the readings of one tick come from (the patient's Things, through their TDs). */
export type ReadingSource = () => Promise<{
  readings: Reading[];
  note?: string;
  location?: ReadingBatch['location'];
}>;

export interface GatewayOptions {
  patient: string;
  /** This gateway's device id (also its AE-ID suffix) and key pair. */
  deviceId: string;
  deviceKey: HpkeKeyPair;
  /** The application server's HPKE public key and its id. */
  appKey: { kid: string; publicKey: HpkeKey };
  cse: M2MClient;
  /** The patient's inbox container in the CSE. */
  inbox: string;
  spool: Spool;
  source: ReadingSource;
  tickMs: number;
  log: Logger;
  now?: () => Date;
  /** Longest wait between two delivery attempts while the CSE is unreachable. */
  maxBackoffMs?: number;
}

/**
 * The patient gateway (the use case's application client): every tick it
 * collects what the patient's Things measured, seals it with HPKE to the
 * application server (auth mode, its own device key, a fresh sequence
 * number bound in the AAD), spools it on disk, and sends the spool in order
 * to the patient's inbox in the CSE. Each reading is created under the name
 * `r<seq>`, so a create that succeeded but whose answer was lost is
 * recognised on retry (4105) instead of being stored twice.
 */
export class Gateway {
  private timer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private ticking: Promise<void> | undefined;
  private backoffMs = 0;
  private stopped = false;

  constructor(private readonly opts: GatewayOptions) {}

  start(): void {
    this.stopped = false;
    const loop = () => {
      this.timer = setTimeout(() => {
        this.ticking = this.tick()
          .catch((err: unknown) =>
            // A tick that could not be sealed or spooled is lost; the next one is not.
            this.opts.log.error({ err, patient: this.opts.patient }, 'tick failed'),
          )
          .finally(() => {
            this.ticking = undefined;
            if (!this.stopped) loop();
          });
      }, this.opts.tickMs);
    };
    loop();
    void this.flush();
  }

  /** Stops ticking and waits for the tick and delivery under way; what is spooled stays spooled. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    clearTimeout(this.retryTimer);
    await this.ticking;
    await this.flushing;
  }

  /** Readings waiting on disk for the service layer. */
  get backlog(): number {
    return this.opts.spool.size;
  }

  /** Measures, seals and spools one tick, then tries to send. */
  async tick(): Promise<void> {
    const o = this.opts;
    let taken;
    try {
      taken = await o.source();
    } catch (err) {
      o.log.warn({ err: (err as Error).message, patient: o.patient }, 'could not read the Things');
      return;
    }
    if (taken.readings.length === 0) return;
    const seq = o.spool.reserveSeq();
    const batch: ReadingBatch = {
      v: 1,
      patient: o.patient,
      gateway: o.deviceId,
      seq,
      at: (o.now?.() ?? new Date()).toISOString(),
      readings: taken.readings,
      ...(taken.location ? { location: taken.location } : {}),
      ...(taken.note ? { note: taken.note } : {}),
    };
    const sealed = await sealReading(
      new TextEncoder().encode(JSON.stringify(batch)),
      { pt: o.patient, dev: o.deviceId, seq, kid: o.appKey.kid },
      o.appKey.publicKey,
      o.deviceKey,
    );
    o.spool.append(sealed);
    await this.flush();
  }

  /** Sends everything spooled, oldest first; stops at the first failure and retries later. */
  flush(): Promise<void> {
    this.flushing ??= this.drain().finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  private async drain(): Promise<void> {
    const o = this.opts;
    for (let sealed = o.spool.oldest(); sealed; sealed = o.spool.oldest()) {
      try {
        await o.cse.createInstance(o.inbox, JSON.stringify(sealed), { rn: `r${sealed.seq}` });
      } catch (err) {
        this.backoffMs = Math.min(o.maxBackoffMs ?? 30_000, Math.max(500, this.backoffMs * 2));
        o.log.warn(
          { err: (err as Error).message, backlog: o.spool.size, retryInMs: this.backoffMs },
          'service layer unreachable; readings stay spooled',
        );
        clearTimeout(this.retryTimer);
        if (!this.stopped)
          this.retryTimer = setTimeout(() => void this.flush(), this.backoffMs).unref();
        return;
      }
      o.spool.remove(sealed.seq);
      this.backoffMs = 0;
    }
  }
}
