import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { Kysely } from 'kysely';
import type { Dialect } from '../../core/db/index.js';
import { Rsc, TutelaError } from '../../core/errors.js';
import { KEY_BYTES } from '../../crypto/aead.js';
import { SealedVersionSchema } from '../../protocol/envelope.js';
import { CONFIDENTIALITY, isConfidentiality, type Confidentiality } from '../../protocol/levels.js';
import type { KeyringTables } from '../store/index.js';
import { KeyCache } from './key-cache.js';
import * as store from './key-store.js';
import {
  kekId,
  newKey,
  unwrapDataKey,
  unwrapPatientKey,
  wrapDataKey,
  wrapPatientKey,
  type WrappedDataKey,
} from './wrap.js';

/**
 * The key hierarchy of DESIGN.md, "Keys": the master key (KEK) wraps one
 * key per patient; the patient key wraps one data key per (RL, epoch).
 * Only wrapped keys are stored. Erasure destroys the patient key
 * (crypto-shredding): every version sealed under its data keys, wherever
 * copies of it went, can no longer be opened.
 *
 * The database is the one source of truth for each patient's current epoch
 * and for shredding, read on every call, so several application-server
 * processes agree at once; memory only caches unwrapped keys, which never
 * change while they exist.
 */

export interface DataKey {
  epoch: number;
  /** A copy for the caller: wiping it (fill(0)) after use is safe. */
  key: Uint8Array;
}

export interface KeyringOptions {
  /** How many unwrapped keys to keep in memory (default 10,000). */
  cacheSize?: number;
}

/** The application server's database: any table set that includes the keyring's. */
export interface KeyringDatabase<DB extends KeyringTables> {
  db: Kysely<DB>;
  dialect: Dialect;
}

export class Keyring {
  private readonly kek: Uint8Array;
  private readonly cache: KeyCache;
  /** First uses in flight, so concurrent first calls in one process make one attempt. */
  private readonly creating = new Map<string, Promise<void>>();
  /** Counts shreddings seen here: a key read from before one is not cached after it. */
  private forgotten = 0;

  /**
   * The keyring over the application server's database. Refuses a master
   * key other than the one that wrapped the keys already stored: keying new
   * patients under a second master key would split the database in two.
   */
  static async open<DB extends KeyringTables>(
    appDatabase: KeyringDatabase<DB>,
    masterKey: Uint8Array,
    opts: KeyringOptions = {},
  ): Promise<Keyring> {
    if (masterKey.length !== KEY_BYTES)
      throw new TutelaError(
        'invalid_master_key',
        Rsc.INTERNAL_SERVER_ERROR,
        `the master key is ${KEY_BYTES} bytes`,
      );
    // Kysely<DB> is not assignable to Kysely<KeyringTables> even when DB has every keyring
    // table; the keyring only ever names its own tables, so this view is sound.
    const db = appDatabase.db as unknown as store.KeyringDb;
    const id = kekId(masterKey);
    const stored = await store.anyKekId(db);
    if (stored !== undefined && stored !== id) throw mismatch(stored, id);
    await store.enableSecureDelete(db, appDatabase.dialect);
    return new Keyring({ db, dialect: appDatabase.dialect }, masterKey, id, opts.cacheSize);
  }

  private constructor(
    private readonly database: { db: store.KeyringDb; dialect: Dialect },
    masterKey: Uint8Array,
    private readonly kekId: string,
    cacheSize = 10_000,
  ) {
    this.kek = new Uint8Array(masterKey);
    this.cache = new KeyCache(cacheSize);
  }

  /**
   * The key to seal a new version with: the current epoch's data key for
   * `rl`, made (with the patient key) on the patient's first use. With
   * `epoch`, that epoch's key, as dataKeyAt.
   */
  async dataKey(pt: string, rl: Confidentiality, epoch?: number): Promise<DataKey> {
    if (epoch !== undefined) return this.dataKeyAt(pt, rl, epoch);
    checkIds(pt, rl);
    return this.unwrap(pt, rl, await this.current(pt, rl));
  }

  /** The data key of any epoch that exists, to open versions sealed under it; never makes keys. */
  async dataKeyAt(pt: string, rl: Confidentiality, epoch: number): Promise<DataKey> {
    checkIds(pt, rl);
    if (!Number.isSafeInteger(epoch) || epoch < 1)
      throw new TutelaError('bad_request', Rsc.BAD_REQUEST, 'an epoch is a positive integer');
    return this.unwrap(pt, rl, await this.read(pt, rl, epoch));
  }

  /** The patient's current epoch (making the patient's keys on first use). */
  async currentEpoch(pt: string): Promise<number> {
    checkIds(pt);
    const { row } = await this.current(pt, CONFIDENTIALITY[0]);
    if (row.shredded_at !== null) throw this.shredded(pt);
    return row.epoch;
  }

  /** Starts a new epoch with new data keys for all six RLs; earlier epochs stay readable. */
  async rotate(pt: string): Promise<number> {
    checkIds(pt);
    const read = await this.current(pt, CONFIDENTIALITY[0]);
    if (read.row.shredded_at !== null) throw this.shredded(pt);
    const patientKey = this.patientKey(pt, read.row, read.fresh);
    try {
      const epoch = await store.nextEpoch(this.database.db, pt, (e) =>
        wrapNewDataKeys(patientKey, pt, e),
      );
      if (epoch === undefined) throw this.shredded(pt);
      return epoch;
    } finally {
      patientKey.fill(0);
    }
  }

  /**
   * Erasure by crypto-shredding: deletes the patient's wrapped key and data
   * keys, leaving a tombstone so the id is never keyed again, and forgets
   * them here. Returns when the patient was shredded (the first time, if repeated).
   */
  async shred(pt: string): Promise<Date> {
    checkIds(pt);
    const at = await store.shredPatient(this.database.db, pt);
    this.forget(pt);
    if (!(await store.truncateLog(this.database.db, this.database.dialect)))
      process.emitWarning(
        'SQLite log not emptied after a crypto-shredding (a reader was active): ' +
          'the shredded key stays in the log file until it is overwritten',
      );
    return new Date(at);
  }

  /** The patient's row with its data key for `rl` at `epoch` (default: the current one). */
  private async read(pt: string, rl: Confidentiality, epoch?: number): Promise<Read> {
    const before = this.forgotten;
    const row = await store.lookup(this.database.db, pt, rl, epoch);
    return { row, fresh: before === this.forgotten };
  }

  /** The patient's row with its current data key for `rl`, making both on first use. */
  private async current(pt: string, rl: Confidentiality): Promise<Read & { row: store.KeyLookup }> {
    const first = await this.read(pt, rl);
    if (first.row) return { ...first, row: first.row };
    let pending = this.creating.get(pt);
    if (!pending) {
      pending = this.create(pt).finally(() => this.creating.delete(pt));
      this.creating.set(pt, pending);
    }
    await pending;
    // Whoever won the race (this call, another one, another process), read what is stored.
    const stored = await this.read(pt, rl);
    if (!stored.row)
      throw new TutelaError('internal', Rsc.INTERNAL_SERVER_ERROR, 'patient key lost');
    return { ...stored, row: stored.row };
  }

  private async create(pt: string): Promise<void> {
    const patientKey = newKey();
    try {
      const wrapped = wrapPatientKey(this.kek, pt, patientKey);
      await store.insertPatient(this.database.db, pt, this.kekId, wrapped, (epoch) =>
        wrapNewDataKeys(patientKey, pt, epoch),
      );
    } finally {
      patientKey.fill(0);
    }
  }

  private unwrap(pt: string, rl: Confidentiality, { row, fresh }: Read): DataKey {
    if (row && row.shredded_at !== null) throw this.shredded(pt);
    if (!row?.data)
      throw new TutelaError(
        'data_key_not_found',
        Rsc.NOT_FOUND,
        `no data key of patient ${pt} for RL ${rl} at that epoch`,
      );
    const { epoch } = row.data;
    const name = `${pt}\n${rl}\n${epoch}`;
    const cached = this.cache.get(name);
    if (cached) return { epoch, key: cached };
    const patientKey = this.patientKey(pt, row, fresh);
    try {
      const key = unwrapDataKey(patientKey, pt, rl, epoch, row.data);
      if (fresh) this.cache.set(name, key);
      return { epoch, key };
    } finally {
      patientKey.fill(0);
    }
  }

  /** The patient key in clear (a copy the caller wipes), from the cache or unwrapped by the KEK. */
  private patientKey(pt: string, row: store.PatientState, fresh: boolean): Uint8Array {
    const name = `${pt}\n`;
    const cached = this.cache.get(name);
    if (cached) return cached;
    if (row.kek_id !== this.kekId || !row.iv || !row.ct)
      throw mismatch(row.kek_id ?? 'none', this.kekId);
    const key = unwrapPatientKey(this.kek, pt, { iv: row.iv, ct: row.ct });
    if (fresh) this.cache.set(name, key);
    return key;
  }

  /** A shredding seen here or in the database (another process): the keys leave memory too. */
  private shredded(pt: string): TutelaError {
    this.forget(pt);
    return new TutelaError(
      'patient_shredded',
      Rsc.NOT_FOUND,
      `the keys of patient ${pt} were destroyed (erasure); its data can no longer be opened`,
    );
  }

  private forget(pt: string): void {
    this.forgotten++;
    // Cache names start with the patient id and a newline, which an id cannot contain.
    this.cache.deletePrefix(`${pt}\n`);
  }
}

/** A row as read, and whether it may be cached (no shredding here while it was read). */
interface Read {
  row: store.KeyLookup | undefined;
  fresh: boolean;
}

/** One new data key per RL for `epoch`, wrapped by the patient key; the clear keys are wiped. */
function wrapNewDataKeys(patientKey: Uint8Array, pt: string, epoch: number): WrappedDataKey[] {
  return CONFIDENTIALITY.map((rl) => {
    const key = newKey();
    const wrapped = wrapDataKey(patientKey, pt, rl, epoch, key);
    key.fill(0);
    return { rl, ...wrapped };
  });
}

const isPatientId = TypeCompiler.Compile(SealedVersionSchema.properties.pt);

/** Ids as the envelopes carry them; they also keep the cache's names unambiguous. */
function checkIds(pt: string, rl?: Confidentiality): void {
  if (!isPatientId.Check(pt))
    throw new TutelaError('bad_request', Rsc.BAD_REQUEST, 'not a valid patient id');
  if (rl !== undefined && !isConfidentiality(rl))
    throw new TutelaError('bad_request', Rsc.BAD_REQUEST, 'not a redaction level');
}

function mismatch(stored: string, given: string): TutelaError {
  return new TutelaError(
    'master_key_mismatch',
    Rsc.INTERNAL_SERVER_ERROR,
    `the patient keys are wrapped by master key ${stored}, but the master key given is ${given}: ` +
      'wrong TUTELA_MASTER_KEY or key file for this database',
  );
}
