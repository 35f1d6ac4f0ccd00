import { sql } from 'kysely';
import { Rsc } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import type { M2MClient } from '../../core/m2m/index.js';
import { openAck, parseSealedAck, sealCommand } from '../../crypto/command-seal.js';
import type { HpkeKeyPair } from '../../crypto/hpke.js';
import type { CommandBody, CommandKind, SealedAck } from '../../protocol/command.js';
import type { AuditLog } from '../audit/audit.js';
import type { GatewayRegistry } from '../devices/gateways.js';
import type { Keyring } from '../keyring/keyring.js';
import { patientPaths } from '../layout/patient-layout.js';
import type { AppDb } from '../store/db.js';
import { sealField } from './sealed-fields.js';

export interface DispatchOptions {
  db: AppDb;
  /** The application server's CSE client (there once it has connected). */
  cse: () => M2MClient;
  cseRn: string;
  appKey: { kid: string; pair: HpkeKeyPair };
  gateways: Pick<GatewayRegistry, 'find'>;
  keyring: Pick<Keyring, 'dataKey'>;
  audit: AuditLog;
  log: Logger;
  now?: () => number;
}

/** What a command needs to be sent. */
export interface Outgoing {
  id: string;
  pt: string;
  kind: CommandKind;
  device: string;
  params: Record<string, unknown>;
  expiresAt: number;
}

/** The states an ack's outcome leads to. */
const FINAL = { ok: 'acknowledged', refused: 'refused', failed: 'failed' } as const;
/** A resource name out of an unauthenticated notification: a plain name, nothing to climb with. */
const PLAIN_RN = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * The wire side of remote commands (issue 5 item 5): seals a command to the
 * patient's gateway with the next per-gateway sequence number and writes it
 * into the patient's `commands` container; opens, verifies and records the
 * gateway's acks. The CSE only ever holds the sealed forms.
 */
export class CommandDispatch {
  private readonly now: () => number;

  constructor(private readonly o: DispatchOptions) {
    this.now = o.now ?? Date.now;
  }

  /**
   * Sends a command to the patient's most recently registered active
   * gateway. The row is marked sent (gateway, seq) before the CSE sees it,
   * so an ack can never outrun it; a command that cannot be written is
   * marked failed (`no_gateway`, `cse_unreachable`). Returns the state.
   */
  async send(c: Outgoing): Promise<'sent' | 'failed'> {
    const o = this.o;
    const gw = await o.db
      .selectFrom('gateways')
      .select('dev')
      .where('pt', '=', c.pt)
      .where('revoked_at', 'is', null)
      .orderBy('registered_at', 'desc')
      .orderBy('dev')
      .executeTakeFirst();
    const key = gw && (await o.gateways.find(gw.dev));
    if (!gw || !key) return this.fail(c, 'no_gateway');
    const seq = await this.nextSeq(gw.dev);
    const at = this.now();
    await o.db
      .updateTable('commands')
      .set({ state: 'sent', gateway: gw.dev, seq, sent_at: at, expires_at: c.expiresAt })
      .where('id', '=', c.id)
      .execute();
    const body: CommandBody = {
      v: 1,
      id: c.id,
      pt: c.pt,
      dev: gw.dev,
      seq,
      kind: c.kind,
      device: c.device,
      params: c.params,
      issuedAt: at,
      expiresAt: c.expiresAt,
    };
    try {
      const sealed = await sealCommand(body, o.appKey.kid, key.publicKey, o.appKey.pair);
      await o.cse().createInstance(patientPaths(o.cseRn, c.pt).commands, JSON.stringify(sealed), {
        rn: `c${seq}`,
      });
    } catch (err) {
      o.log.warn({ err: (err as Error).message, command: c.id }, 'command not written to the CSE');
      return this.fail(c, 'cse_unreachable');
    }
    await o.audit.record({
      actor: 'app',
      action: 'command.send',
      pt: c.pt,
      outcome: 'ok',
      detail: `${c.id} to ${gw.dev} seq ${seq}`,
    });
    return 'sent';
  }

  /**
   * One contentInstance of a patient's `acks` container (notified by the
   * CSE). Nothing in it is trusted until opened with the key of the gateway
   * it claims to come from, which must serve this patient and be the one the
   * command was sent to, with the same sequence number, while the command is
   * still waiting: anything else is refused and audited (`malformed`,
   * `unknown_device`, `tampered`, `replay`). The ack leaves the CSE either way.
   */
  async receiveAck(pt: string, con: unknown, rn?: string): Promise<void> {
    try {
      await this.recordAck(pt, con);
    } finally {
      if (rn && PLAIN_RN.test(rn) && rn !== '.' && rn !== '..')
        await this.remove(`${patientPaths(this.o.cseRn, pt).acks}/${rn}`);
    }
  }

  private async recordAck(pt: string, con: unknown): Promise<void> {
    const o = this.o;
    let sealed: SealedAck;
    try {
      sealed = parseSealedAck(con);
    } catch {
      return this.rejectAck(pt, 'malformed', 'not a sealed ack');
    }
    const gw = await o.gateways.find(sealed.dev);
    if (!gw || gw.pt !== pt || sealed.pt !== pt)
      return this.rejectAck(pt, 'unknown_device', `${sealed.dev} does not serve ${pt}`);
    let ack;
    try {
      ack = await openAck(sealed, o.appKey.pair, gw.publicKey);
    } catch {
      return this.rejectAck(pt, 'tampered', `${sealed.id} from ${sealed.dev}`);
    }
    const result =
      ack.result === undefined
        ? undefined
        : await sealField(o.keyring, pt, ack.id, 'result', ack.result);
    const state = FINAL[ack.outcome];
    // Only the command's first answer counts: the conditions make a replayed ack change nothing.
    const done = await o.db
      .updateTable('commands')
      .set({
        state,
        done_at: this.now(),
        outcome_code: ack.outcome === 'ok' ? null : (ack.code ?? ack.outcome),
        result_sealed: result?.sealed ?? null,
        result_epoch: result?.epoch ?? null,
      })
      .where('id', '=', ack.id)
      .where('pt', '=', pt)
      .where('gateway', '=', sealed.dev)
      .where('seq', '=', ack.seq)
      .where('state', '=', 'sent')
      .executeTakeFirst();
    if (Number(done.numUpdatedRows) !== 1)
      return this.rejectAck(
        pt,
        'replay',
        `${ack.id} is not waiting for an answer from ${sealed.dev}`,
      );
    await o.audit.record({
      actor: sealed.dev,
      action: 'command.ack',
      pt,
      outcome: ack.outcome === 'ok' ? 'ok' : ack.outcome === 'refused' ? 'refused' : 'failed',
      detail: `${ack.id}: ${state}${ack.code ? ` (${ack.code})` : ''}`,
    });
    // Answered: the command has nothing left to do in the CSE.
    await this.remove(`${patientPaths(o.cseRn, pt).commands}/c${ack.seq}`);
  }

  /** Takes a command that will not be acted on out of the CSE (expired, answered). */
  async withdraw(pt: string, seq: number | null): Promise<void> {
    if (seq !== null) await this.remove(`${patientPaths(this.o.cseRn, pt).commands}/c${seq}`);
  }

  private async remove(path: string): Promise<void> {
    try {
      const res = await this.o.cse().request('DELETE', path);
      if (res.rsc !== Rsc.DELETED && res.rsc !== Rsc.NOT_FOUND)
        this.o.log.warn({ path, rsc: res.rsc }, 'command resource not removed from the CSE');
    } catch (err) {
      this.o.log.warn({ err: (err as Error).message, path }, 'command resource not removed');
    }
  }

  private async rejectAck(pt: string, reason: string, detail: string): Promise<void> {
    await this.o.audit.record({
      actor: 'app',
      action: 'command.ack.reject',
      pt,
      outcome: 'rejected',
      detail: `${reason}: ${detail}`,
    });
  }

  private async fail(c: Outgoing, code: string): Promise<'failed'> {
    await this.o.db
      .updateTable('commands')
      .set({ state: 'failed', outcome_code: code, done_at: this.now() })
      .where('id', '=', c.id)
      .execute();
    await this.o.audit.record({
      actor: 'app',
      action: 'command.send',
      pt: c.pt,
      outcome: 'failed',
      detail: `${c.id}: ${code}`,
    });
    return 'failed';
  }

  /** The next sequence number towards `dev`, atomically (two sends never share one). */
  private async nextSeq(dev: string): Promise<number> {
    const row = await this.o.db
      .insertInto('command_seq')
      .values({ dev, last_seq: 1 })
      .onConflict((oc) =>
        oc.column('dev').doUpdateSet({ last_seq: sql<number>`command_seq.last_seq + 1` }),
      )
      .returning('last_seq')
      .executeTakeFirstOrThrow();
    return Number(row.last_seq);
  }
}
