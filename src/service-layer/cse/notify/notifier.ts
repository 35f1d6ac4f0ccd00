import { m2mError, Rsc } from '../../../core/errors.js';
import type { Logger } from '../../../core/log.js';
import { resourceStore, type CseDb } from '../store/resource-store.js';
import { Ty, type Resource } from '../model/types.js';
import { Dispatcher } from './dispatcher.js';
import { createHttpSender, type HttpSender } from './http-sender.js';
import { outbox, type OutboxRow } from './outbox.js';
import { subscriptionAddress } from './events.js';
import { WsHub } from './ws-hub.js';
import type { WriteQueue } from '../procedures/write-queue.js';

export interface NotifierOptions {
  cseId: string;
  concurrency: number;
  perTarget: number;
  timeoutMs: number;
  retryBaseMs: number;
  retryMaxMs: number;
  giveUpAfterMs: number;
  retainDeliveredMs: number;
  scanMs: number;
  ca?: string | undefined;
  now: () => number;
  log: Logger;
  writes: WriteQueue;
}

const isUrl = (t: string) => t.startsWith('http://') || t.startsWith('https://');

/** Delivery of notifications: HTTP targets, AEs over WebSocket or their pointOfAccess, verification. */
export class Notifier {
  readonly hub: WsHub;
  private readonly dispatcher: Dispatcher;
  private readonly http: HttpSender;

  constructor(
    private readonly db: CseDb,
    private readonly opts: NotifierOptions,
  ) {
    this.http = createHttpSender({
      cseId: opts.cseId,
      timeoutMs: opts.timeoutMs,
      maxSocketsPerHost: opts.perTarget,
      ca: opts.ca,
    });
    this.hub = new WsHub({
      cseId: opts.cseId,
      ackTimeoutMs: opts.timeoutMs,
      log: opts.log,
      admit: async (aei) => (await resourceStore.byRi(db, aei))?.ty === Ty.AE,
      connected: (aei, since) => this.replay(aei, since),
    });
    this.dispatcher = new Dispatcher(
      db,
      (target, rqi, body, seq) => this.send(target, rqi, body, seq),
      opts,
    );
  }

  start(): void {
    this.dispatcher.start();
  }

  async close(): Promise<void> {
    this.hub.close();
    await this.dispatcher.close();
    await this.http.close();
  }

  /**
   * Cuts the notification channels of AEs whose access a policy change
   * withdrew: a participant removed from a care episode must not keep an
   * open channel (ISSUE-4 item 3, "open sessions cut"). The client may
   * connect again; it then hears only what it is still subscribed to and
   * admitted for.
   */
  cutChannels(aeis: readonly string[]): void {
    for (const aei of aeis) {
      const n = this.hub.disconnect(aei, 1008, 'access withdrawn');
      if (n > 0)
        this.opts.log.info({ aei, channels: n }, 'notification channel cut: access withdrawn');
    }
  }

  /** Rows committed by a procedure: deliver them now. */
  dispatch(rows: OutboxRow[]): void {
    if (rows.length > 0) this.dispatcher.enqueue(rows);
  }

  private async send(
    target: string,
    rqi: string,
    body: string,
    seq: number,
  ): Promise<'delivered' | 'parked'> {
    if (isUrl(target)) {
      await this.http.send(target, rqi, body);
      return 'delivered';
    }
    if (this.hub.isConnected(target)) {
      await this.hub.send(target, rqi, body, seq);
      return 'delivered';
    }
    const poa = await this.pointsOfAccess(target);
    if (poa.length === 0) return 'parked';
    let lastErr: unknown;
    for (const url of poa) {
      try {
        await this.http.send(url, rqi, body);
        return 'delivered';
      } catch (err) {
        lastErr = err;
      }
    }
    throw lastErr;
  }

  private async pointsOfAccess(aei: string): Promise<string[]> {
    const ae = await resourceStore.byRi(this.db, aei);
    return ae?.ty === Ty.AE ? ((ae.attrs.poa as string[] | undefined) ?? []).filter(isUrl) : [];
  }

  /** Replays delivered notifications after `since`, then hands the pending ones to the dispatcher. */
  private async replay(aei: string, since: number | undefined): Promise<void> {
    if (since !== undefined) {
      for (const r of await outbox.since(this.db, aei, since)) {
        if (r.status === 'delivered') this.hub.replay(aei, r.id, r.payload, r.seq);
      }
    }
    await this.dispatcher.targetAvailable(aei);
  }

  /**
   * The verification request a new subscription sends to each target that is
   * not its own originator (TS-0004 §7.3.8.2.1); failure refuses the subscription.
   */
  async verify(
    sub: Pick<Resource, 'ri' | 'path'>,
    nu: string[],
    originator: string,
  ): Promise<void> {
    const body = JSON.stringify({
      'm2m:sgn': { vrq: true, sur: subscriptionAddress(this.opts.cseId, sub), cr: originator },
    });
    for (const target of nu) {
      if (target === originator) continue;
      try {
        const result = await this.send(target, `vrq-${sub.ri}`, body, 0);
        if (result === 'parked') throw new Error(`${target} is not reachable`);
      } catch (err) {
        throw m2mError.of(
          Rsc.SUBSCRIPTION_VERIFICATION_INITIATION_FAILED,
          'subscription_verification_failed',
          `verification of notification target "${target}" failed: ${(err as Error).message}`,
        );
      }
    }
  }
}
