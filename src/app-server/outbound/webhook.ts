import { createHmac, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { Agent, request } from 'undici';
import { readPrivateFile, writePrivateFile } from '../../core/private-file.js';

/** An external system told of alert events (config `outbound.webhooks`). */
export interface WebhookEndpoint {
  name: string;
  url: string;
  /** File (0600) with the endpoint's signing secret, `whsec_<base64>`; made at first start if missing. */
  secretFile: string;
}

const SECRET_PREFIX = 'whsec_';

/**
 * The endpoint's signing secret: read from its file, or made (24 random
 * bytes) and written 0600 the first time, for the operator to hand to the
 * receiving system.
 */
export function webhookSecret(file: string): Buffer {
  if (!existsSync(file))
    writePrivateFile(file, `${SECRET_PREFIX}${randomBytes(24).toString('base64')}\n`, {
      exclusive: true,
    });
  const text = readPrivateFile(file).trim();
  if (!text.startsWith(SECRET_PREFIX)) throw new Error(`${file} does not hold a whsec_ secret`);
  return Buffer.from(text.slice(SECRET_PREFIX.length), 'base64');
}

/**
 * The signature headers of the Standard Webhooks specification (v1:
 * HMAC-SHA256 over `<id>.<timestamp>.<body>`, base64): the receiver checks
 * the signature with the shared secret in constant time, refuses a
 * timestamp too far from its clock (replay), and de-duplicates by id.
 */
export function signatureHeaders(
  secret: Buffer,
  id: string,
  timestampSec: number,
  body: string,
): Record<string, string> {
  const mac = createHmac('sha256', secret).update(`${id}.${timestampSec}.${body}`).digest('base64');
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestampSec),
    'webhook-signature': `v1,${mac}`,
  };
}

export class WebhookError extends Error {
  constructor(
    message: string,
    /** Worth trying again (network, 5xx, 429) or not (other 4xx). */
    readonly retry: boolean,
  ) {
    super(message);
    this.name = 'WebhookError';
  }
}

/**
 * Posts one signed event (JSON) to an endpoint; resolves on a 2xx answer,
 * rejects with a WebhookError saying whether to retry. The id stays the
 * same across retries, so the receiver can drop duplicates.
 */
export async function postWebhook(
  endpoint: WebhookEndpoint,
  secret: Buffer,
  event: { id: string; type: string; data: unknown },
  o: { now?: () => number; ca?: string; timeoutMs?: number } = {},
): Promise<number> {
  const body = JSON.stringify({
    type: event.type,
    timestamp: new Date((o.now ?? Date.now)()).toISOString(),
    data: event.data,
  });
  const ts = Math.floor((o.now ?? Date.now)() / 1000);
  const dispatcher = new Agent({
    connect: { ...(o.ca ? { ca: o.ca } : {}), timeout: o.timeoutMs ?? 5000 },
    headersTimeout: o.timeoutMs ?? 5000,
    bodyTimeout: o.timeoutMs ?? 5000,
  });
  try {
    const res = await request(endpoint.url, {
      method: 'POST',
      dispatcher,
      headers: {
        'content-type': 'application/json',
        'user-agent': 'Tutela-Webhooks/1',
        ...signatureHeaders(secret, event.id, ts, body),
      },
      body,
    });
    await res.body.dump();
    if (res.statusCode >= 200 && res.statusCode < 300) return res.statusCode;
    throw new WebhookError(
      `${endpoint.name} answered HTTP ${res.statusCode}`,
      res.statusCode >= 500 || res.statusCode === 429 || res.statusCode === 408,
    );
  } catch (err) {
    if (err instanceof WebhookError) throw err;
    throw new WebhookError(
      `${endpoint.name} could not be reached: ${(err as Error).message}`,
      true,
    );
  } finally {
    await dispatcher.close();
  }
}
