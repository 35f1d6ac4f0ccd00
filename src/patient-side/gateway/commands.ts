import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../../core/log.js';
import type { M2MClient } from '../../core/m2m/index.js';
import { readPrivateFile, writePrivateFile } from '../../core/private-file.js';
import { openCommand, parseSealedCommand, sealAck } from '../../crypto/command-seal.js';
import type { HpkeKey, HpkeKeyPair } from '../../crypto/hpke.js';
import type { AckBody, CommandBody, SealedAck } from '../../protocol/command.js';
import { deviceOf, ThingRequestError, type ConsumedThing } from '../things/index.js';

export interface CommandRunnerOptions {
  patient: string;
  deviceId: string;
  deviceKey: HpkeKeyPair;
  /** The application server's HPKE public key: the only sender whose commands open. */
  appKey: { kid: string; publicKey: HpkeKey };
  cse: M2MClient;
  /** The patient's `commands` and `acks` containers in the CSE. */
  commands: string;
  acks: string;
  /** The patient's Things, consumed through their TDs. */
  things: () => ConsumedThing[];
  /** Where the last command sequence number is kept (the gateway's data directory). */
  dir: string;
  /** How often the commands container is polled (the gateway is behind NAT: it asks). */
  pollMs: number;
  log: Logger;
  now?: () => number;
  /** After a spot check: send the new reading at once (the gateway's tick). */
  onSpotCheck?: () => void;
}

/** The Thing action each command invokes (TD 1.1 invokeaction, src/patient-side/things/devices.ts). */
const ACTION = { changeInterval: 'setInterval', spotCheck: 'spotCheck', changeDose: 'setRate' };
const SEQ_FILE = 'command-seq.json';

/**
 * The gateway's side of remote commands (issue 5 item 5). It polls the
 * patient's `commands` container, opens each command sealed to it (HPKE
 * auth mode: only the application server's key opens it, and only this
 * gateway's key), and refuses what is tampered, foreign (another gateway's
 * or patient's), replayed (a sequence number not above the last one acted
 * on, kept on disk so a restart does not reopen the door) or expired. It
 * then invokes the Thing's action through its TD and answers with an ack
 * sealed to the application server: ok with what the Thing returned, or
 * refused/failed with a code and the Thing's words. A command is acted on
 * at most once: the sequence number is saved before the Thing is touched.
 */
export class CommandRunner {
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<number> | undefined;
  private stopped = false;
  private lastSeq: number;
  /** Acks not yet written to the CSE (retried on the next poll). */
  private readonly unsent: SealedAck[] = [];
  /** Commands refused already (by resource name), so a poll does not log them again. */
  private readonly dismissed = new Set<string>();

  constructor(private readonly o: CommandRunnerOptions) {
    const file = join(o.dir, SEQ_FILE);
    this.lastSeq = existsSync(file)
      ? Number((JSON.parse(readPrivateFile(file)) as { lastSeq: number }).lastSeq) || 0
      : 0;
  }

  start(): void {
    this.stopped = false;
    const loop = () => {
      this.timer = setTimeout(() => {
        void this.poll().finally(() => {
          if (!this.stopped) loop();
        });
      }, this.o.pollMs);
    };
    loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.polling;
  }

  /** One look at the commands container; returns how many commands were acted on. */
  poll(): Promise<number> {
    this.polling ??= this.pollOnce()
      .catch((err: unknown) => {
        this.o.log.warn({ err: (err as Error).message }, 'commands not polled');
        return 0;
      })
      .finally(() => (this.polling = undefined));
    return this.polling;
  }

  private async pollOnce(): Promise<number> {
    await this.flushAcks();
    const body = await this.o.cse.retrieve(this.o.commands, { rcn: 4 });
    const cnt = body['m2m:cnt'] as { 'm2m:cin'?: Array<{ rn?: string; con?: unknown }> };
    const cins = (cnt['m2m:cin'] ?? []).filter((c) => !this.dismissed.has(String(c.rn)));
    const parsed = cins.flatMap((c) => {
      try {
        return [{ rn: String(c.rn), sealed: parseSealedCommand(c.con) }];
      } catch {
        this.dismiss(String(c.rn), 'malformed');
        return [];
      }
    });
    let acted = 0;
    for (const { rn, sealed } of parsed.sort((a, b) => a.sealed.seq - b.sealed.seq)) {
      // Another gateway's command (a patient may have two): not ours to open, nor to refuse loudly.
      if (sealed.dev !== this.o.deviceId) {
        this.dismissed.add(rn);
        continue;
      }
      if (sealed.pt !== this.o.patient) {
        this.dismiss(rn, 'foreign');
        continue;
      }
      if (sealed.seq <= this.lastSeq) {
        this.dismiss(rn, 'replay');
        continue;
      }
      let body: CommandBody;
      try {
        body = await openCommand(sealed, this.o.deviceKey, this.o.appKey.publicKey);
      } catch {
        this.dismiss(rn, 'tampered');
        continue;
      }
      this.saveSeq(body.seq);
      this.dismissed.add(rn);
      await this.answer(body, await this.act(body));
      acted++;
    }
    return acted;
  }

  /** Invokes the command's action on its Thing; what to tell the application server. */
  private async act(c: CommandBody): Promise<Omit<AckBody, 'v' | 'id' | 'seq' | 'at'>> {
    const now = this.o.now?.() ?? Date.now();
    if (c.expiresAt <= now)
      return { outcome: 'refused', code: 'expired', reason: 'the command came too late' };
    const thing = this.o.things().find((t) => deviceOf(t) === c.device);
    if (!thing)
      return { outcome: 'refused', code: 'unknown_device', reason: `no Thing "${c.device}" here` };
    const action = ACTION[c.kind];
    const input = c.kind === 'spotCheck' ? undefined : c.params;
    try {
      const result = await thing.invokeAction(action, input);
      if (c.kind === 'spotCheck') this.o.onSpotCheck?.();
      return { outcome: 'ok', ...(result !== undefined ? { result } : {}) };
    } catch (err) {
      const reason = (err as Error).message.slice(0, 500);
      // The Thing said no (its input schema, its bounds): refused. It could not be reached: failed.
      if (err instanceof ThingRequestError && err.httpStatus >= 400 && err.httpStatus < 500)
        return { outcome: 'refused', code: err.remoteCode ?? 'thing_refused', reason };
      return { outcome: 'failed', code: 'thing_unreachable', reason };
    }
  }

  private async answer(c: CommandBody, a: Omit<AckBody, 'v' | 'id' | 'seq' | 'at'>) {
    const body: AckBody = { v: 1, id: c.id, seq: c.seq, ...a, at: this.o.now?.() ?? Date.now() };
    const sealed = await sealAck(
      body,
      { pt: this.o.patient, dev: this.o.deviceId, kid: this.o.appKey.kid },
      this.o.appKey.publicKey,
      this.o.deviceKey,
    );
    this.unsent.push(sealed);
    await this.flushAcks();
  }

  /** Writes the acks waiting, oldest first; `a-<dev>-<seq>` makes a retried create idempotent. */
  private async flushAcks(): Promise<void> {
    while (this.unsent.length > 0) {
      const ack = this.unsent[0]!;
      try {
        await this.o.cse.createInstance(this.o.acks, JSON.stringify(ack), {
          rn: `a-${ack.dev}-${ack.seq}`,
        });
      } catch (err) {
        this.o.log.warn({ err: (err as Error).message }, 'ack not delivered; retrying later');
        return;
      }
      this.unsent.shift();
    }
  }

  private saveSeq(seq: number): void {
    this.lastSeq = seq;
    writePrivateFile(join(this.o.dir, SEQ_FILE), JSON.stringify({ lastSeq: seq }));
  }

  private dismiss(rn: string, why: 'malformed' | 'foreign' | 'replay' | 'tampered'): void {
    this.dismissed.add(rn);
    this.o.log.warn({ rn, why, patient: this.o.patient }, 'command refused');
  }
}
