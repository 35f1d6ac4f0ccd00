import { Value } from '@sinclair/typebox/value';
import { Rsc, TutelaError } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import { DEFAULT_SETTINGS, type ClinicalSettings } from '../clinical/index.js';
import type { Keyring } from '../keyring/keyring.js';
import type { AppDb } from '../store/db.js';
import { SealedSettingsSchema } from './schema.js';
import { openSettings, sealSettings } from './seal.js';

export interface StoredSettings extends ClinicalSettings {
  updatedAt: number | null;
  updatedBy: string | null;
}

export interface SettingsStoreOptions {
  db: AppDb;
  keyring: Pick<Keyring, 'dataKey' | 'dataKeyAt'>;
  log: Logger;
  /** How long the pipeline may use settings read before (ms). Default 30 s. */
  cacheMs?: number;
  now?: () => number;
}

/**
 * Per-patient settings at rest: the scale in clear in `patients`, the rest
 * sealed in `patient_settings`. The pipeline reads them on every tick, so
 * they are cached (opened) in memory for `cacheMs`; a change made through
 * this process drops its cache entry at once, one made by another worker
 * (scale-out) is seen within `cacheMs`.
 */
export class SettingsStore {
  private readonly cache = new Map<string, { s: StoredSettings; until: number }>();
  private readonly cacheMs: number;
  private readonly now: () => number;

  constructor(private readonly o: SettingsStoreOptions) {
    this.cacheMs = o.cacheMs ?? 30_000;
    this.now = o.now ?? Date.now;
  }

  /** Whether `pt` is a monitored patient. */
  async exists(pt: string): Promise<boolean> {
    return !!(await this.o.db
      .selectFrom('patients')
      .select('pt')
      .where('pt', '=', pt)
      .executeTakeFirst());
  }

  /**
   * The settings of `pt` (defaults for a patient nobody configured). Sealed
   * settings that no longer open (the patient erased) read as none: an
   * erased patient's readings are refused further on anyway.
   */
  async get(pt: string): Promise<StoredSettings> {
    const hit = this.cache.get(pt);
    if (hit && hit.until > this.now()) return hit.s;
    const patient = await this.o.db
      .selectFrom('patients')
      .select('spo2_scale')
      .where('pt', '=', pt)
      .executeTakeFirst();
    const row = await this.o.db
      .selectFrom('patient_settings')
      .selectAll()
      .where('pt', '=', pt)
      .executeTakeFirst();
    const s: StoredSettings = {
      ...DEFAULT_SETTINGS,
      spo2Scale: patient?.spo2_scale === 2 ? 2 : 1,
      updatedAt: row ? Number(row.updated_at) : null,
      updatedBy: row?.updated_by ?? null,
    };
    if (row) {
      try {
        const opened: unknown = JSON.parse(
          await openSettings(this.o.keyring, { pt, sealed: row.sealed, epoch: row.epoch }),
        );
        if (!Value.Check(SealedSettingsSchema, opened))
          throw new TutelaError('settings_corrupt', Rsc.INTERNAL_SERVER_ERROR, 'bad settings');
        s.thresholds = opened.thresholds;
        if (opened.spo2Target) s.spo2Target = opened.spo2Target;
      } catch (err) {
        this.o.log.debug({ err, pt }, 'patient settings not readable');
      }
    }
    this.cache.set(pt, { s, until: this.now() + this.cacheMs });
    return s;
  }

  /** Replaces the settings of `pt` (scale in clear, the rest sealed), in one transaction. */
  async put(pt: string, s: ClinicalSettings, by: string): Promise<StoredSettings> {
    const json = JSON.stringify({
      ...(s.spo2Target ? { spo2Target: s.spo2Target } : {}),
      thresholds: s.thresholds,
    });
    const { sealed, epoch } = await sealSettings(this.o.keyring, pt, json);
    const at = this.now();
    await this.o.db.transaction().execute(async (tx) => {
      await tx
        .updateTable('patients')
        .set({ spo2_scale: s.spo2Scale })
        .where('pt', '=', pt)
        .execute();
      await tx
        .insertInto('patient_settings')
        .values({ pt, sealed, epoch, updated_at: at, updated_by: by })
        .onConflict((oc) =>
          oc.column('pt').doUpdateSet({ sealed, epoch, updated_at: at, updated_by: by }),
        )
        .execute();
    });
    this.cache.delete(pt);
    return { ...s, updatedAt: at, updatedBy: by };
  }

  /** Drops the cached settings of `pt` (erasure). */
  forget(pt: string): void {
    this.cache.delete(pt);
  }
}
