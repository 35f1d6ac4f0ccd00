import { Value } from '@sinclair/typebox/value';
import { Rsc, TutelaError } from '../../core/errors.js';
import {
  COMMAND_DEVICES,
  COMMAND_KINDS,
  COMMAND_PARAMS,
  type CommandKind,
} from '../../protocol/command.js';

/**
 * How long things may wait (documented in docs/commands.md): a proposed dose
 * change that no second clinician confirmed within 30 minutes expires (the
 * situation it was meant for has likely changed); a command sent to a
 * gateway must be acted on within 10 minutes, or the gateway refuses it
 * and the application server marks it expired.
 */
export const DOSE_CONFIRM_MS = 30 * 60_000;
export const COMMAND_TTL_MS = 10 * 60_000;

export { COMMAND_STATES, type CommandState } from '../../protocol/command.js';

/** A command as asked for on the API (the route checked its shape only). */
export interface CommandRequest {
  kind: string;
  device: string;
  params?: Record<string, unknown> | undefined;
}

const badRequest = (code: string, msg: string) => new TutelaError(code, Rsc.BAD_REQUEST, msg);

/** The kind, if it is one of the command vocabulary (400 `unknown_kind` otherwise). */
export function checkKind(kind: string): CommandKind {
  if (!(COMMAND_KINDS as readonly string[]).includes(kind))
    throw badRequest('unknown_kind', `kind must be one of ${COMMAND_KINDS.join(', ')}`);
  return kind as CommandKind;
}

/**
 * The device must take this kind of command (400 `unknown_device`), and the
 * params fit the kind's schema, bounds included (400 `bad_params`, naming
 * the member and the bound it broke).
 */
export function checkParams(
  kind: CommandKind,
  device: string,
  params: Record<string, unknown>,
): Record<string, unknown> {
  const devices = COMMAND_DEVICES[kind];
  if (!devices.includes(device))
    throw badRequest(
      'unknown_device',
      `${kind} is for ${devices.join(', ')}; there is no device "${device}" for it`,
    );
  const schema = COMMAND_PARAMS[kind];
  if (!Value.Check(schema, params)) {
    const first = Value.Errors(schema, params).First();
    throw badRequest('bad_params', `params${first?.path ?? ''}: ${first?.message ?? 'invalid'}`);
  }
  return params;
}
