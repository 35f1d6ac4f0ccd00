import { Rsc, TutelaError } from '../../core/errors.js';
import { randomId } from '../../core/ids.js';
import type { Logger } from '../../core/log.js';
import { COMMAND_KINDS, type CommandKind } from '../../protocol/command.js';
import type { Access } from '../access/access.js';
import type { AuditLog } from '../audit/audit.js';
import type { User } from '../directory/directory.js';
import type { Participant } from '../episodes/store.js';
import type { Keyring } from '../keyring/keyring.js';
import type { PolicyRequest } from '../policy/index.js';
import type { AppDb } from '../store/db.js';
import type { CommandDispatch } from './dispatch.js';
import {
  checkKind,
  checkParams,
  COMMAND_TTL_MS,
  DOSE_CONFIRM_MS,
  type CommandRequest,
} from './command-rules.js';
import { openParams, toView, type CommandRow, type CommandView } from './command-view.js';
import { sealField } from './sealed-fields.js';

export interface RemoteCommandsOptions {
  db: AppDb;
  keyring: Pick<Keyring, 'dataKey' | 'dataKeyAt'>;
  access: Access;
  audit: AuditLog;
  dispatch: Pick<CommandDispatch, 'send' | 'withdraw'>;
  participation: (pt: string, user: string) => Promise<Participant | undefined>;
  log: Logger;
  now?: () => number;
}

const refuse = (code: string, msg: string) =>
  new TutelaError(code, Rsc.ORIGINATOR_HAS_NO_PRIVILEGE, msg);

/**
 * Remote commands to a patient's devices (issue 5 item 5; the use case's
 * alternative flow 2). Every decision goes to the Cedar policies
 * (policies/v1/commands.cedar) through Access, deny by default, and every
 * step is audited. A dose change is only proposed by one doctor and sent
 * once a second clinician, not the proposer, confirms it with a second
 * factor (four eyes); the other commands go out at once. Parameters are
 * sealed at rest with the patient's key (sealed-fields.ts).
 */
export class RemoteCommands {
  private readonly now: () => number;

  constructor(private readonly o: RemoteCommandsOptions) {
    this.now = o.now ?? Date.now;
  }

  /** Issues a command (202): sent at once, or awaiting confirmation for a dose change. */
  async issue(pt: string, user: User, req: CommandRequest): Promise<CommandView> {
    const kind = checkKind(req.kind);
    const params = checkParams(kind, req.device, req.params ?? {});
    const p = await this.o.participation(pt, user.id);
    await this.authorize(user, kind, { kind: 'device', pt, dev: `${pt}:${req.device}` }, p, pt);
    const id = `cmd-${randomId()}`;
    const at = this.now();
    const dose = kind === 'changeDose';
    const { sealed, epoch } = await sealField(this.o.keyring, pt, id, 'params', params);
    await this.o.db
      .insertInto('commands')
      .values({
        id,
        pt,
        kind,
        device: req.device,
        params_sealed: sealed,
        params_epoch: epoch,
        state: dose ? 'awaiting-confirmation' : 'sent',
        proposed_by: user.id,
        confirmed_by: null,
        gateway: null,
        seq: null,
        created_at: at,
        expires_at: at + (dose ? DOSE_CONFIRM_MS : COMMAND_TTL_MS),
        sent_at: null,
        done_at: null,
        outcome_code: null,
        result_sealed: null,
        result_epoch: null,
      })
      .execute();
    await this.o.audit.record({
      actor: user.id,
      action: dose ? 'command.propose' : 'command.issue',
      pt,
      outcome: 'ok',
      detail: `${id}: ${kind} ${req.device}`,
    });
    if (!dose)
      await this.o.dispatch.send({
        id,
        pt,
        kind,
        device: req.device,
        params,
        expiresAt: at + COMMAND_TTL_MS,
      });
    return this.view(await this.row(pt, id));
  }

  /** A second clinician confirms a proposed dose change, which is then sent (202). */
  async confirm(pt: string, id: string, user: User): Promise<CommandView> {
    await this.expireDue();
    const p = await this.o.participation(pt, user.id);
    if (!p) {
      await this.audit(user, 'command.confirm', pt, 'refused', `${id}: not a participant`);
      throw refuse('not_allowed', `you take no part in the care of ${pt}`);
    }
    const row = await this.row(pt, id);
    if (row.kind !== 'changeDose' || row.state !== 'awaiting-confirmation') {
      await this.audit(user, 'command.confirm', pt, 'refused', `${id}: ${row.state}`);
      throw new TutelaError(
        row.state === 'expired' ? 'expired' : 'not_awaiting_confirmation',
        Rsc.CONFLICT,
        row.state === 'expired'
          ? `dose change ${id} expired unconfirmed; propose it again`
          : `command ${id} is not a dose change awaiting confirmation (it is ${row.state})`,
      );
    }
    const resource = { kind: 'doseOrder', pt, id, proposedBy: row.proposed_by } as const;
    const decision = this.o.access.decide(user, 'confirmDose', resource, p);
    if (!decision.allowed) {
      const why = decision.reasons.join(', ') || 'no policy permits it';
      await this.audit(user, 'command.confirm', pt, 'refused', `${id}: ${why}`);
      if (row.proposed_by === user.id)
        throw refuse('four_eyes', 'a dose change must be confirmed by another clinician');
      throw this.refusal(user, 'confirmDose', resource, p);
    }
    const at = this.now();
    // Conditional: of two confirmations at once, one wins; the other finds it no longer waiting.
    const claimed = await this.o.db
      .updateTable('commands')
      .set({ confirmed_by: user.id, expires_at: at + COMMAND_TTL_MS })
      .where('id', '=', id)
      .where('state', '=', 'awaiting-confirmation')
      .where('confirmed_by', 'is', null)
      .executeTakeFirst();
    if (Number(claimed.numUpdatedRows) !== 1)
      throw new TutelaError(
        'not_awaiting_confirmation',
        Rsc.CONFLICT,
        `${id} was confirmed already`,
      );
    await this.audit(user, 'command.confirm', pt, 'ok', `${id}: proposed by ${row.proposed_by}`);
    const params = await openParams(this.o.keyring, this.o.log, row);
    if (params === null)
      throw new TutelaError('unknown_patient', Rsc.NOT_FOUND, `${pt} was erased`);
    await this.o.dispatch.send({
      id,
      pt,
      kind: 'changeDose',
      device: row.device,
      params,
      expiresAt: at + COMMAND_TTL_MS,
    });
    return this.view(await this.row(pt, id));
  }

  /** The patient's commands, newest first: for those who may issue commands to their devices. */
  async list(pt: string, user: User): Promise<CommandView[]> {
    await this.mayView(pt, user);
    await this.expireDue();
    const rows = await this.o.db
      .selectFrom('commands')
      .selectAll()
      .where('pt', '=', pt)
      .orderBy('created_at', 'desc')
      .orderBy('id')
      .limit(200)
      .execute();
    await this.audit(user, 'command.view', pt, 'ok', `${rows.length} commands`);
    return Promise.all(rows.map((r) => this.view(r)));
  }

  async get(pt: string, id: string, user: User): Promise<CommandView> {
    await this.mayView(pt, user);
    await this.expireDue();
    const row = await this.row(pt, id);
    await this.audit(user, 'command.view', pt, 'ok', id);
    return this.view(row);
  }

  /**
   * Ends what waited too long: unconfirmed dose changes past their 30
   * minutes, and sent commands no gateway answered within their 10 (taken
   * out of the CSE too). Runs before every read and on the server's timer.
   */
  async expireDue(): Promise<number> {
    const at = this.now();
    const due = await this.o.db
      .selectFrom('commands')
      .select(['id', 'pt', 'state', 'seq'])
      .where('state', 'in', ['awaiting-confirmation', 'sent'])
      .where('expires_at', '<=', at)
      .execute();
    for (const c of due) {
      const r = await this.o.db
        .updateTable('commands')
        .set({ state: 'expired', done_at: at, outcome_code: 'expired' })
        .where('id', '=', c.id)
        .where('state', '=', c.state)
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) !== 1) continue;
      await this.o.audit.record({
        actor: 'app',
        action: 'command.expire',
        pt: c.pt,
        outcome: 'ok',
        detail: `${c.id}: ${c.state === 'sent' ? 'no answer' : 'not confirmed'}`,
      });
      if (c.state === 'sent') await this.o.dispatch.withdraw(c.pt, c.seq);
    }
    return due.length;
  }

  /** Seeing a patient's commands (their doses included) is for those who may issue one. */
  private async mayView(pt: string, user: User): Promise<void> {
    const p = await this.o.participation(pt, user.id);
    const allowed = COMMAND_KINDS.some(
      (k) => this.o.access.decide(user, k, { kind: 'device', pt }, p).allowed,
    );
    if (!allowed) {
      await this.audit(user, 'command.view', pt, 'refused', 'no command permitted');
      throw refuse('not_allowed', `as ${user.role} you may not see the commands of ${pt}`);
    }
  }

  private async authorize(
    user: User,
    action: CommandKind,
    resource: PolicyRequest['resource'],
    p: Participant | undefined,
    pt: string,
  ): Promise<void> {
    const decision = this.o.access.decide(user, action, resource, p);
    if (decision.allowed) return;
    const why = decision.reasons.join(', ') || 'no policy permits it';
    await this.audit(user, `command.${action}`, pt, 'refused', why);
    throw this.refusal(user, action, resource, p);
  }

  /** Says "second factor" only when one would change the answer (as break-glass does). */
  private refusal(
    user: User,
    action: PolicyRequest['action'],
    resource: PolicyRequest['resource'],
    p: Participant | undefined,
  ): TutelaError {
    const withMfa =
      !user.mfa && this.o.access.decide({ ...user, mfa: true }, action, resource, p).allowed;
    return withMfa
      ? refuse('mfa_required', `${action} needs a sign-in with a second factor`)
      : refuse('not_allowed', `as ${user.role} you may not ${action} here`);
  }

  private audit(
    user: User,
    action: string,
    pt: string,
    outcome: 'ok' | 'refused',
    detail: string,
  ): Promise<void> {
    return this.o.audit.record({ actor: user.id, action, pt, outcome, detail });
  }

  private view(row: CommandRow): Promise<CommandView> {
    return toView(this.o.keyring, this.o.log, row);
  }

  private async row(pt: string, id: string): Promise<CommandRow> {
    const row = await this.o.db
      .selectFrom('commands')
      .selectAll()
      .where('pt', '=', pt)
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) throw new TutelaError('not_found', Rsc.NOT_FOUND, `no command ${id} for ${pt}`);
    return row;
  }
}
