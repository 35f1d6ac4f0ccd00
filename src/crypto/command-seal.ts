import { Value } from '@sinclair/typebox/value';
import { Rsc, TutelaError } from '../core/errors.js';
import {
  ackAad,
  AckBodySchema,
  commandAad,
  CommandBodySchema,
  COMMAND_INFO,
  SealedAckSchema,
  SealedCommandSchema,
  type AckBody,
  type CommandBody,
  type SealedAck,
  type SealedCommand,
} from '../protocol/command.js';
import { openAuth, sealAuth, type HpkeKey, type HpkeKeyPair } from './hpke.js';

/**
 * Remote commands sealed end to end (issue 5 item 5): the application
 * server seals a command to one gateway's device key, authenticated with
 * its own key (HPKE auth mode, RFC 9180 §5.1.3), the mirror image of the
 * gateway sealing readings to it; the gateway answers with an ack sealed
 * the other way. Every header (patient, gateway, command id, per-gateway
 * sequence, key id) is in the AAD, and the sealed body repeats them, so a
 * command moved to another gateway, renumbered or altered does not open or
 * is refused.
 */

const utf8 = new TextEncoder();
const json = (bytes: Uint8Array): unknown => JSON.parse(new TextDecoder().decode(bytes));

const malformed = (what: string) =>
  new TutelaError('malformed', Rsc.BAD_REQUEST, `${what} is not well-formed`);
const mismatch = (what: string) =>
  new TutelaError('hpke_open_failed', Rsc.BAD_REQUEST, `${what}: its headers and body disagree`);

/** Parses the `con` of a contentInstance as a sealed command (shape only; nothing is trusted yet). */
export function parseSealedCommand(con: unknown): SealedCommand {
  let value: unknown = con;
  if (typeof con === 'string')
    try {
      value = JSON.parse(con);
    } catch {
      throw malformed('the command');
    }
  if (!Value.Check(SealedCommandSchema, value)) throw malformed('the command');
  return value;
}

export function parseSealedAck(con: unknown): SealedAck {
  let value: unknown = con;
  if (typeof con === 'string')
    try {
      value = JSON.parse(con);
    } catch {
      throw malformed('the ack');
    }
  if (!Value.Check(SealedAckSchema, value)) throw malformed('the ack');
  return value;
}

/** Seals `body` to the gateway `gateway` with the application server's key pair `app` (id `kid`). */
export async function sealCommand(
  body: CommandBody,
  kid: string,
  gateway: HpkeKey,
  app: HpkeKeyPair,
): Promise<SealedCommand> {
  const header = { pt: body.pt, dev: body.dev, id: body.id, seq: body.seq, kid };
  const { enc, ct } = await sealAuth(
    COMMAND_INFO.command,
    utf8.encode(JSON.stringify(body)),
    commandAad(header),
    gateway,
    app,
  );
  return { v: 1, typ: 'tutela.command', ...header, enc, ct };
}

/**
 * Opens a command with the gateway's own key pair; fails unless the
 * application server's key (`appPublic`) sealed it, to this gateway, with
 * exactly these headers, and the body says the same as the headers.
 */
export async function openCommand(
  sealed: SealedCommand,
  gateway: HpkeKeyPair,
  appPublic: HpkeKey,
): Promise<CommandBody> {
  const bytes = await openAuth(
    COMMAND_INFO.command,
    sealed,
    commandAad(sealed),
    gateway,
    appPublic,
    'the command',
  );
  const body = json(bytes);
  if (!Value.Check(CommandBodySchema, body)) throw malformed('the command body');
  if (
    body.id !== sealed.id ||
    body.pt !== sealed.pt ||
    body.dev !== sealed.dev ||
    body.seq !== sealed.seq
  )
    throw mismatch('the command');
  return body;
}

/** Seals an ack from the gateway (`device`, its key pair) to the application server's key. */
export async function sealAck(
  body: AckBody,
  header: { pt: string; dev: string; kid: string },
  app: HpkeKey,
  device: HpkeKeyPair,
): Promise<SealedAck> {
  const h = { ...header, id: body.id, seq: body.seq };
  const { enc, ct } = await sealAuth(
    COMMAND_INFO.ack,
    utf8.encode(JSON.stringify(body)),
    ackAad(h),
    app,
    device,
  );
  return { v: 1, typ: 'tutela.ack', ...h, enc, ct };
}

/** Opens an ack with the application server's key pair; fails unless `devicePublic` sealed it. */
export async function openAck(
  sealed: SealedAck,
  app: HpkeKeyPair,
  devicePublic: HpkeKey,
): Promise<AckBody> {
  const bytes = await openAuth(
    COMMAND_INFO.ack,
    sealed,
    ackAad(sealed),
    app,
    devicePublic,
    'the ack',
  );
  const body = json(bytes);
  if (!Value.Check(AckBodySchema, body)) throw malformed('the ack body');
  if (body.id !== sealed.id || body.seq !== sealed.seq) throw mismatch('the ack');
  return body;
}
