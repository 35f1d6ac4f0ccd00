// Check alone, not the Value namespace: a fraction of the bundle, and no eval (the CSP forbids it).
import { Check } from '@sinclair/typebox/value';
import { openVersionInBrowser, unwrapDataKey, type WebKey } from '../../../crypto/browser/index.js';
import {
  SealedVersionSchema,
  WrappedKeySchema,
  type SealedVersion,
} from '../../../protocol/envelope.js';
import { ApiError, type Api } from '../session/api.js';
import type { StoredDevice } from '../session/device-store.js';
import type { Me } from '../session/me.js';
import { cseRequest, RSC } from './cse.js';
import { recordView, type RecordView } from './view.js';

/**
 * Reads a patient's versions the way the CLI does (src/clients/caregiver/
 * session.ts), in the browser: the sealed version from the CSE, the data
 * key from the key service (POST /app/keys), HPKE-wrapped to this browser's
 * device key, and decryption here. Data keys are kept as non-extractable
 * CryptoKeys, in memory only, per (patient, RL, epoch).
 */
export class RecordReader {
  private readonly keys = new Map<string, WebKey>();

  constructor(
    private readonly api: Api,
    private readonly me: Me,
    private readonly token: () => string | undefined,
    private readonly device: () => Promise<StoredDevice>,
    private readonly renewDevice: () => Promise<StoredDevice>,
  ) {}

  /** The newest sealed version of a patient (header only; undefined if none yet). */
  async latestSealed(pt: string): Promise<SealedVersion | undefined> {
    const p = this.me.patients.find((x) => x.pt === pt);
    if (!p) throw new ApiError(404, 'not_in_care_team', `${pt} is not one of your patients`);
    if (!p.versions)
      throw new ApiError(
        403,
        'no_clinical_access',
        `your role in the episode of ${pt} reads no clinical content`,
      );
    const res = await cseRequest(this.me, this.token(), 'GET', `${p.versions}/la`);
    if (res.rsc === RSC.NOT_FOUND) return undefined;
    const con = (res.body['m2m:cin'] as { con?: unknown } | undefined)?.con;
    if (res.status === 403)
      throw new ApiError(
        403,
        'cse_refused',
        `the service layer does not give you the versions of ${pt} (any more)`,
      );
    if (res.rsc !== RSC.OK || typeof con !== 'string')
      throw new ApiError(
        502,
        'cse_request_failed',
        `the service layer answered ${res.rsc || res.status} for the latest version of ${pt}`,
      );
    return parseSealed(con);
  }

  async latest(pt: string): Promise<RecordView | undefined> {
    const sealed = await this.latestSealed(pt);
    return sealed && this.open(sealed);
  }

  async open(sealed: SealedVersion): Promise<RecordView> {
    return recordView(sealed, await this.openContent(sealed));
  }

  /** The decrypted content of a version (a FHIR bundle), for whoever reads more than the view. */
  async openContent(sealed: SealedVersion): Promise<unknown> {
    const key = await this.dataKey(sealed);
    return openVersionInBrowser(key, sealed);
  }

  /** The CSE path of a patient's versions at this person's level, if they read any. */
  versionsOf(pt: string): string | undefined {
    return this.me.patients.find((x) => x.pt === pt)?.versions ?? undefined;
  }

  forget(): void {
    this.keys.clear();
  }

  private async dataKey(s: SealedVersion): Promise<WebKey> {
    const id = `${s.pt}|${s.rl}|${s.epoch}`;
    const cached = this.keys.get(id);
    if (cached) return cached;
    let device = await this.device();
    let wrapped: unknown;
    try {
      wrapped = await this.release(s, device.device);
    } catch (err) {
      // The key service no longer knows this browser's device (e.g. the platform was reset).
      if (!(err instanceof ApiError && err.code === 'unknown_device')) throw err;
      device = await this.renewDevice();
      wrapped = await this.release(s, device.device);
    }
    if (!Check(WrappedKeySchema, wrapped))
      throw new ApiError(502, 'bad_key', 'the key service answered with something else than a key');
    const key = await unwrapDataKey(wrapped, device.keys);
    this.keys.set(id, key);
    return key;
  }

  private release(s: SealedVersion, device: string): Promise<unknown> {
    return this.api('POST', '/app/keys', { pt: s.pt, rl: s.rl, epoch: s.epoch, device });
  }
}

export function parseSealed(con: string): SealedVersion {
  let sealed: unknown;
  try {
    sealed = JSON.parse(con);
  } catch {
    sealed = undefined;
  }
  if (!Check(SealedVersionSchema, sealed))
    throw new ApiError(
      502,
      'bad_version',
      'the service layer returned something else than a version',
    );
  return sealed;
}
