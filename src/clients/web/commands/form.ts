import {
  COMMAND_DEVICES,
  INTERVAL_MINUTES,
  PUMP_RATE_ML_H,
  type CommandKind,
} from '../../../protocol/command.js';
import type { Command, CommandRequest } from '../api/commands.js';
import { ApiError, describeError } from '../session/api.js';

/**
 * The command panel's checks and words, apart from React so they can be
 * unit tested (issue 5 item 5 seen from the web app, docs/commands.md).
 * The bounds are the protocol's own (src/protocol/command.ts), the ones the
 * application server and the Things enforce: the form refuses what the
 * server would, and the server checks again.
 */

export const KIND_TEXT: Record<CommandKind, string> = {
  changeInterval: 'Change the measurement interval',
  spotCheck: 'Request a spot check now',
  changeDose: 'Propose an infusion rate',
};

export const DEVICE_TEXT: Record<string, string> = {
  oximeter: 'pulse oximeter',
  thermometer: 'thermometer',
  'bp-monitor': 'blood-pressure monitor',
  respiration: 'respiration sensor',
  'infusion-pump': 'infusion pump',
};

export interface CommandForm {
  kind: CommandKind;
  device: string;
  /** As typed. */
  minutes: string;
  rate: string;
}

export type FormErrors = Partial<Record<'device' | 'minutes' | 'rate', string>>;

const WHOLE = /^\d{1,4}$/;
/** A rate as a pump takes it: mL/h, at most two decimals (no exponent, no sign). */
const DECIMAL = /^\d{1,4}(\.\d{1,2})?$/;

/** Checks the form; with no errors, the request to send. */
export function checkCommand(
  f: CommandForm,
): { ok: true; request: CommandRequest } | { ok: false; errors: FormErrors } {
  const errors: FormErrors = {};
  if (!COMMAND_DEVICES[f.kind].includes(f.device))
    errors.device = `Choose one of: ${COMMAND_DEVICES[f.kind].map((d) => DEVICE_TEXT[d] ?? d).join(', ')}.`;
  let params: Record<string, unknown> = {};
  if (f.kind === 'changeInterval') {
    const m = Number(f.minutes.trim());
    if (!WHOLE.test(f.minutes.trim()) || m < INTERVAL_MINUTES.min || m > INTERVAL_MINUTES.max)
      errors.minutes = `A whole number of minutes from ${INTERVAL_MINUTES.min} to ${INTERVAL_MINUTES.max}.`;
    else params = { minutes: m };
  } else if (f.kind === 'changeDose') {
    const r = Number(f.rate.trim());
    if (!DECIMAL.test(f.rate.trim()) || r < PUMP_RATE_ML_H.min || r > PUMP_RATE_ML_H.max)
      errors.rate = `A rate from ${PUMP_RATE_ML_H.min} to ${PUMP_RATE_ML_H.max} mL/h (0 stops the pump), at most two decimals.`;
    else params = { rate: r };
  }
  if (Object.keys(errors).length) return { ok: false, errors };
  return { ok: true, request: { kind: f.kind, device: f.device, params } };
}

/** A command in words: "Measure every 15 min · pulse oximeter". */
export function commandText(c: Pick<Command, 'kind' | 'device' | 'params'>): string {
  const device = DEVICE_TEXT[c.device] ?? c.device;
  const p = c.params;
  if (c.kind === 'changeInterval')
    return `Measure every ${typeof p?.minutes === 'number' ? p.minutes : '?'} min · ${device}`;
  if (c.kind === 'spotCheck') return `Spot check now · ${device}`;
  if (c.kind === 'changeDose')
    return `Infusion rate ${typeof p?.rate === 'number' ? p.rate : '?'} mL/h · ${device}`;
  return `${c.kind} · ${device}`;
}

/** A command's state in words, with the code when there is one. */
export function stateText(c: Pick<Command, 'state' | 'code' | 'confirmedBy'>): string {
  const code = c.code ? ` (${c.code.replace(/_/g, ' ')})` : '';
  switch (c.state) {
    case 'awaiting-confirmation':
      return 'Awaiting confirmation by a second clinician';
    case 'sent':
      return 'Sent, waiting for the device';
    case 'acknowledged':
      return 'Done by the device';
    case 'refused':
      return `Refused by the device${code}`;
    case 'failed':
      return `Failed${code}`;
    case 'expired':
      return `Expired${code}`;
    default:
      return c.state;
  }
}

/** A command waits for someone or something: the list is refreshed often meanwhile. */
export const inFlight = (c: Pick<Command, 'state'>) =>
  c.state === 'sent' || c.state === 'awaiting-confirmation';

/** Whether the list should be asked again soon (ms), given what it holds. */
export function refreshEvery(commands: Array<Pick<Command, 'state'>>): number {
  return commands.some((c) => c.state === 'sent')
    ? 2_000
    : commands.some(inFlight)
      ? 5_000
      : 15_000;
}

/** A refusal of POST …/commands or …/confirm, in words (docs/commands.md, "API"). */
export function commandRefusal(err: unknown): string {
  if (!(err instanceof ApiError) || err.status === 401 || err.status === 0)
    return describeError(err);
  switch (err.code) {
    case 'four_eyes':
      return 'A dose change must be confirmed by another clinician: you proposed this one.';
    case 'mfa_required':
      return 'This needs a sign-in with a second factor (authenticator app or passkey).';
    case 'not_allowed':
      return `Not allowed: ${err.message}.`;
    case 'bad_params':
      return `The platform refused these settings: ${err.message}.`;
    case 'unknown_device':
      return `That device does not take this command: ${err.message}.`;
    case 'unknown_kind':
      return `Unknown command: ${err.message}.`;
    case 'expired':
      return 'This dose change expired unconfirmed (after 30 minutes): propose it again.';
    case 'not_awaiting_confirmation':
      return 'This dose change is no longer waiting for confirmation: someone confirmed it, or it expired.';
    case 'not_found':
      return 'No such command for this patient.';
    default:
      return describeError(err);
  }
}
