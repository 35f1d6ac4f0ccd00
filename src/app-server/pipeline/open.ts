import { Value } from '@sinclair/typebox/value';
import { openReading, type HpkeKeyPair } from '../../crypto/hpke.js';
import { SealedReadingSchema } from '../../protocol/envelope.js';
import { ReadingBatchSchema } from '../../protocol/reading-schema.js';
import type { ReadingBatch } from '../../protocol/reading.js';
import type { GatewayRegistry } from '../devices/gateways.js';

/** Why a reading was refused: each is audited, none stops the pipeline. */
export type RejectReason =
  | 'malformed' // not a sealed reading envelope
  | 'wrong_recipient' // sealed to another application server key
  | 'unknown_device' // no such gateway
  | 'revoked_device' // the gateway was revoked (device onboarding): nothing from it is accepted
  | 'foreign_device' // the gateway serves another patient than this inbox
  | 'tampered' // HPKE refused it: changed, or sealed by another key
  | 'bad_content' // authentic, but not a valid reading batch
  | 'replay' // a sequence number already accepted
  | 'unprocessable' // authentic and valid, but a later stage failed on it (a bug: logged)
  | 'patient_erased'; // the patient's keys were shredded: nothing may be published

export type Opened =
  | { ok: true; batch: ReadingBatch; dev: string; seq: number }
  | { ok: false; reason: RejectReason; detail: string; dev?: string };

export interface OpenContext {
  /** The patient whose inbox the reading arrived in. */
  pt: string;
  appKey: { kid: string; pair: HpkeKeyPair };
  gateways: GatewayRegistry;
}

const reject = (reason: RejectReason, detail: string, dev?: string): Opened => ({
  ok: false,
  reason,
  detail,
  ...(dev ? { dev } : {}),
});

/**
 * Stage 1, open and verify: checks the envelope, finds the gateway's key,
 * opens the HPKE seal (auth mode, so only that gateway's key can have sealed
 * it, and the AAD binds patient, device, sequence number and key id), then
 * checks the content against the schema and against its own envelope. The
 * replay check comes last, on authentic content only, so a forger cannot
 * burn a device's sequence numbers.
 */
export async function openInboxReading(con: unknown, ctx: OpenContext): Promise<Opened> {
  let envelope: unknown;
  try {
    envelope = typeof con === 'string' ? JSON.parse(con) : undefined;
  } catch {
    return reject('malformed', 'content is not JSON');
  }
  if (!Value.Check(SealedReadingSchema, envelope)) {
    const first = Value.Errors(SealedReadingSchema, envelope).First();
    return reject(
      'malformed',
      `not a sealed reading${first ? ` (${first.path || '/'}: ${first.message})` : ''}`,
    );
  }
  const { dev, seq } = envelope;
  if (envelope.kid !== ctx.appKey.kid)
    return reject('wrong_recipient', `sealed to key ${envelope.kid}`, dev);
  const gateway = await ctx.gateways.find(dev);
  if (!gateway)
    return (await ctx.gateways.isRevoked(dev))
      ? reject('revoked_device', `gateway ${dev} has been revoked`, dev)
      : reject('unknown_device', `gateway ${dev} is not registered`, dev);
  if (gateway.pt !== ctx.pt || envelope.pt !== ctx.pt)
    return reject('foreign_device', `gateway ${dev} does not serve this patient`, dev);

  let plaintext: Uint8Array;
  try {
    plaintext = await openReading(envelope, ctx.appKey.pair, gateway.publicKey);
  } catch {
    return reject('tampered', 'the seal did not open with this gateway key', dev);
  }
  let batch: unknown;
  try {
    batch = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(plaintext));
  } catch {
    return reject('bad_content', 'opened content is not JSON', dev);
  }
  if (!Value.Check(ReadingBatchSchema, batch)) {
    const first = Value.Errors(ReadingBatchSchema, batch).First();
    // The path names the field; the value itself is never echoed (it may be health data).
    return reject('bad_content', `invalid reading batch at ${first?.path || '/'}`, dev);
  }
  if (batch.patient !== ctx.pt || batch.gateway !== dev || batch.seq !== seq)
    return reject('bad_content', 'content does not match its envelope', dev);
  if (!(await ctx.gateways.isFresh(dev, seq)))
    return reject('replay', `sequence number ${seq} was already accepted`, dev);
  return { ok: true, batch, dev, seq };
}
