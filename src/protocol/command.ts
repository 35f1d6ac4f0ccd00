import { Type, type Static, type TSchema } from '@sinclair/typebox';

/**
 * Remote commands from a caregiver to the patient's devices (issue 5 item 5,
 * the use case's alternative flow 2), as the application server, the CSE
 * and the gateway all see them. The application server seals each command
 * with HPKE (RFC 9180, auth mode, its own key) to one gateway's device key
 * and writes it into the patient's `commands` container; the gateway opens
 * it, acts on the Thing through its TD and answers with an ack sealed the
 * other way into the `acks` container. The CSE sees only the headers below.
 */

/** What a caregiver may ask for (the policy actions of policies/v1/commands.cedar). */
export const COMMAND_KINDS = ['changeInterval', 'spotCheck', 'changeDose'] as const;
export type CommandKind = (typeof COMMAND_KINDS)[number];

/** The sensors that measure on a schedule: the ones whose interval and spot check make sense. */
export const SENSOR_DEVICES = ['oximeter', 'thermometer', 'bp-monitor', 'respiration'] as const;
export const PUMP_DEVICE = 'infusion-pump';

/** Which devices take which command. */
export const COMMAND_DEVICES: Record<CommandKind, readonly string[]> = {
  changeInterval: SENSOR_DEVICES,
  spotCheck: SENSOR_DEVICES,
  changeDose: [PUMP_DEVICE],
};

/** Measurement interval bounds (minutes): at least a minute, at most four hours. */
export const INTERVAL_MINUTES = { min: 1, max: 240 } as const;
/**
 * Infusion rate bounds (mL/h) of the simulated volumetric pump: 0 stops it,
 * 500 is the ceiling of the simulated hardware. The pump refuses anything
 * else itself too; the application server refuses it first (400).
 */
export const PUMP_RATE_ML_H = { min: 0, max: 500 } as const;

export const IntervalParams = Type.Object(
  {
    minutes: Type.Integer({
      minimum: INTERVAL_MINUTES.min,
      maximum: INTERVAL_MINUTES.max,
      unit: 'min',
      description: 'Minutes between two measurements',
    }),
  },
  { additionalProperties: false },
);
export const SpotCheckParams = Type.Object({}, { additionalProperties: false });
export const DoseParams = Type.Object(
  {
    rate: Type.Number({
      minimum: PUMP_RATE_ML_H.min,
      maximum: PUMP_RATE_ML_H.max,
      unit: 'mL/h',
      description: 'Infusion rate',
    }),
  },
  { additionalProperties: false },
);
export const COMMAND_PARAMS: Record<CommandKind, TSchema> = {
  changeInterval: IntervalParams,
  spotCheck: SpotCheckParams,
  changeDose: DoseParams,
};
export type CommandParams =
  Static<typeof IntervalParams> | Static<typeof SpotCheckParams> | Static<typeof DoseParams>;

const B64URL = Type.String({ pattern: '^[A-Za-z0-9_-]+$', minLength: 1, maxLength: 64_000 });
const ID = Type.String({ pattern: '^[A-Za-z0-9._:-]{1,128}$' });
const SEQ = Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER });

/** A command as it lies in the CSE: headers in clear (all bound in the AAD), the rest sealed. */
export const SealedCommandSchema = Type.Object(
  {
    v: Type.Literal(1),
    typ: Type.Literal('tutela.command'),
    pt: ID,
    /** The gateway it is sealed to. */
    dev: ID,
    /** The command's id (the application server's). */
    id: ID,
    /** Per-gateway sequence number: the gateway refuses one it has already passed. */
    seq: SEQ,
    /** Id of the application server key that sealed it (auth mode sender). */
    kid: ID,
    enc: B64URL,
    ct: B64URL,
  },
  { additionalProperties: false },
);
export type SealedCommand = Static<typeof SealedCommandSchema>;

/** What is sealed inside a command. */
export const CommandBodySchema = Type.Object(
  {
    v: Type.Literal(1),
    id: ID,
    pt: ID,
    dev: ID,
    seq: SEQ,
    kind: Type.Union(COMMAND_KINDS.map((k) => Type.Literal(k))),
    /** The Thing it is for (the last segment of its TD id). */
    device: ID,
    params: Type.Record(Type.String(), Type.Unknown()),
    issuedAt: Type.Integer({ minimum: 0 }),
    /** After this (ms since the epoch) the gateway refuses it: a stale dose change is not applied. */
    expiresAt: Type.Integer({ minimum: 0 }),
  },
  { additionalProperties: false },
);
export type CommandBody = Static<typeof CommandBodySchema>;

/** A gateway's answer, sealed (auth mode, its device key) to the application server. */
export const SealedAckSchema = Type.Object(
  {
    v: Type.Literal(1),
    typ: Type.Literal('tutela.ack'),
    pt: ID,
    dev: ID,
    id: ID,
    seq: SEQ,
    kid: ID,
    enc: B64URL,
    ct: B64URL,
  },
  { additionalProperties: false },
);
export type SealedAck = Static<typeof SealedAckSchema>;

export const ACK_OUTCOMES = ['ok', 'refused', 'failed'] as const;
export const AckBodySchema = Type.Object(
  {
    v: Type.Literal(1),
    id: ID,
    seq: SEQ,
    outcome: Type.Union(ACK_OUTCOMES.map((o) => Type.Literal(o))),
    /** A stable code (e.g. `out_of_range`, `expired`, `thing_unreachable`) when not ok. */
    code: Type.Optional(Type.String({ maxLength: 64 })),
    /** The Thing's own words, when it refused. */
    reason: Type.Optional(Type.String({ maxLength: 500 })),
    /** What the Thing answered (a spot check's reading, the pump's new rate). */
    result: Type.Optional(Type.Unknown()),
    at: Type.Integer({ minimum: 0 }),
  },
  { additionalProperties: false },
);
export type AckBody = Static<typeof AckBodySchema>;

const utf8 = new TextEncoder();

/** AAD of a sealed command: every header, in a fixed order. */
export function commandAad(h: Pick<SealedCommand, 'pt' | 'dev' | 'id' | 'seq' | 'kid'>) {
  return utf8.encode(`tutela.command.v1\n${h.pt}\n${h.dev}\n${h.id}\n${h.seq}\n${h.kid}`);
}

/** AAD of a sealed ack. */
export function ackAad(h: Pick<SealedAck, 'pt' | 'dev' | 'id' | 'seq' | 'kid'>) {
  return utf8.encode(`tutela.ack.v1\n${h.pt}\n${h.dev}\n${h.id}\n${h.seq}\n${h.kid}`);
}

/** HPKE `info` (RFC 9180 §5.1) of each direction: a reading can never be opened as a command. */
export const COMMAND_INFO = {
  command: utf8.encode('tutela command v1'),
  ack: utf8.encode('tutela ack v1'),
} as const;

/** A command's life (docs/commands.md, "States"). */
export const COMMAND_STATES = [
  'awaiting-confirmation',
  'sent',
  'acknowledged',
  'refused',
  'failed',
  'expired',
] as const;
export type CommandState = (typeof COMMAND_STATES)[number];

/** A command as the API shows it to those who may see it (params and result opened). */
export interface CommandView {
  id: string;
  pt: string;
  kind: string;
  device: string;
  /** null once the patient is erased (their key shredded). */
  params: Record<string, unknown> | null;
  state: string;
  proposedBy: string;
  confirmedBy: string | null;
  gateway: string | null;
  createdAt: number;
  expiresAt: number;
  sentAt: number | null;
  doneAt: number | null;
  /** Why it was refused, failed or expired (a stable code). */
  code: string | null;
  /** What the device answered, when it answered something. */
  result?: unknown;
}
