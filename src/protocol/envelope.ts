import { Type, type Static } from '@sinclair/typebox';
import { CONFIDENTIALITY, CRITICALITY } from './levels.js';

/**
 * The sealed objects that travel through the service layer. The CSE stores
 * each as the opaque `con` of a contentInstance; only the header fields are
 * in clear, and every one of them is bound into the AEAD's additional data
 * (the *Aad functions), so changing a header makes the content unopenable.
 */

const B64URL = Type.String({ pattern: '^[A-Za-z0-9_-]+$', minLength: 1, maxLength: 1_400_000 });
const ID = Type.String({ pattern: '^[A-Za-z0-9._:-]{1,128}$' });

/** A gateway's tick, HPKE-sealed (RFC 9180 auth mode) to the application server. */
export const SealedReadingSchema = Type.Object(
  {
    v: Type.Literal(1),
    typ: Type.Literal('tutela.reading'),
    /** Pseudonymous patient id. */
    pt: ID,
    /** Gateway device id (whose key authenticated the seal). */
    dev: ID,
    /** Per-device sequence number. */
    seq: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }),
    /** Id of the application server key it is sealed to. */
    kid: ID,
    /** HPKE encapsulated key and ciphertext, base64url. */
    enc: B64URL,
    ct: B64URL,
  },
  { additionalProperties: false },
);
export type SealedReading = Static<typeof SealedReadingSchema>;

/** One RL version of a tick, AES-256-GCM-sealed with the patient's data key for that RL and epoch. */
export const SealedVersionSchema = Type.Object(
  {
    v: Type.Literal(1),
    typ: Type.Literal('tutela.version'),
    pt: ID,
    rl: Type.Union(CONFIDENTIALITY.map((c) => Type.Literal(c))),
    cl: Type.Union(CRITICALITY.map((c) => Type.Literal(c))),
    /** Data-key epoch (keys rotate; old epochs stay readable to those allowed). */
    epoch: Type.Integer({ minimum: 1 }),
    /** The reading it was made from: `<dev>:<seq>`. */
    src: Type.String({ pattern: '^[A-Za-z0-9._:-]{1,160}$' }),
    /** When the tick was measured (ISO 8601). */
    at: Type.String({ minLength: 1, maxLength: 40 }),
    iv: B64URL,
    ct: B64URL,
  },
  { additionalProperties: false },
);
export type SealedVersion = Static<typeof SealedVersionSchema>;

/** A data key released by the key service, HPKE-sealed (base mode) to one client device key. */
export const WrappedKeySchema = Type.Object(
  {
    v: Type.Literal(1),
    typ: Type.Literal('tutela.key'),
    pt: ID,
    rl: Type.Union(CONFIDENTIALITY.map((c) => Type.Literal(c))),
    epoch: Type.Integer({ minimum: 1 }),
    /** The client device key it is wrapped to. */
    device: ID,
    enc: B64URL,
    ct: B64URL,
  },
  { additionalProperties: false },
);
export type WrappedKey = Static<typeof WrappedKeySchema>;

const utf8 = new TextEncoder();

/** AAD of a sealed reading: every header field, in a fixed order. */
export function readingAad(h: Pick<SealedReading, 'pt' | 'dev' | 'seq' | 'kid'>): Uint8Array {
  return utf8.encode(`tutela.reading.v1\n${h.pt}\n${h.dev}\n${h.seq}\n${h.kid}`);
}

/** AAD of a sealed version. */
export function versionAad(
  h: Pick<SealedVersion, 'pt' | 'rl' | 'cl' | 'epoch' | 'src' | 'at'>,
): Uint8Array {
  return utf8.encode(`tutela.version.v1\n${h.pt}\n${h.rl}\n${h.epoch}\n${h.cl}\n${h.src}\n${h.at}`);
}

/** AAD of a wrapped data key. */
export function wrappedKeyAad(h: Pick<WrappedKey, 'pt' | 'rl' | 'epoch' | 'device'>): Uint8Array {
  return utf8.encode(`tutela.key.v1\n${h.pt}\n${h.rl}\n${h.epoch}\n${h.device}`);
}

/** HPKE `info` strings (RFC 9180 §5.1): separate the two uses of HPKE. */
export const HPKE_INFO = {
  reading: utf8.encode('tutela reading v1'),
  keyRelease: utf8.encode('tutela key release v1'),
} as const;
