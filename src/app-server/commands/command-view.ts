import type { Logger } from '../../core/log.js';
import type { CommandView } from '../../protocol/command.js';
import type { Keyring } from '../keyring/keyring.js';
import type { CommandTables } from '../store/command-tables.js';
import { openField } from './sealed-fields.js';

export type CommandRow = CommandTables['commands'];

export type { CommandView };

type Keys = Pick<Keyring, 'dataKeyAt'>;

/** The command's params, opened; null once the patient is erased. */
export async function openParams(
  keyring: Keys,
  log: Logger,
  row: CommandRow,
): Promise<Record<string, unknown> | null> {
  const v = await openField(keyring, log, {
    pt: row.pt,
    id: row.id,
    field: 'params',
    sealed: row.params_sealed,
    epoch: row.params_epoch,
  });
  return v && typeof v === 'object' ? (v as Record<string, unknown>) : null;
}

/** A stored command as the API shows it. */
export async function toView(keyring: Keys, log: Logger, row: CommandRow): Promise<CommandView> {
  const result =
    row.result_sealed !== null && row.result_epoch !== null
      ? await openField(keyring, log, {
          pt: row.pt,
          id: row.id,
          field: 'result',
          sealed: row.result_sealed,
          epoch: row.result_epoch,
        })
      : undefined;
  return {
    id: row.id,
    pt: row.pt,
    kind: row.kind,
    device: row.device,
    params: await openParams(keyring, log, row),
    state: row.state,
    proposedBy: row.proposed_by,
    confirmedBy: row.confirmed_by,
    gateway: row.gateway,
    createdAt: Number(row.created_at),
    expiresAt: Number(row.expires_at),
    sentAt: row.sent_at === null ? null : Number(row.sent_at),
    doneAt: row.done_at === null ? null : Number(row.done_at),
    code: row.outcome_code,
    ...(result !== undefined ? { result } : {}),
  };
}
