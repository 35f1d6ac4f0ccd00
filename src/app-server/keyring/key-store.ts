import { sql, type Kysely } from 'kysely';
import { prepared } from '../../core/db/prepared.js';
import type { Dialect } from '../../core/db/index.js';
import type { Sealed } from '../../crypto/aead.js';
import type { Confidentiality } from '../../protocol/levels.js';
import type { KeyringTables } from '../store/index.js';
import type { WrappedDataKey } from './wrap.js';

/**
 * The keyring's rows: wrapped keys in, wrapped keys out. Nothing here sees
 * a key in clear. PostgreSQL runs these at READ COMMITTED and SQLite one
 * writer at a time; each write below is safe under both (see the comments).
 */

export type KeyringDb = Kysely<KeyringTables>;

export interface PatientState {
  kek_id: string | null;
  iv: Uint8Array | null;
  ct: Uint8Array | null;
  epoch: number;
  shredded_at: number | null;
}

/** A patient's row, and the wrapped data key asked for if it exists. */
export interface KeyLookup extends PatientState {
  data: (Sealed & { epoch: number }) | undefined;
}

const patientColumns = ['p.kek_id', 'p.iv', 'p.ct', 'p.epoch', 'p.shredded_at'] as const;
const dataColumns = ['d.epoch as d_epoch', 'd.iv as d_iv', 'd.ct as d_ct'] as const;

// One statement reads the patient's row and the data key together, so a rotation or a
// shredding that commits in between cannot pair an epoch with the wrong key.
const selectCurrent = prepared((db: KeyringDb, pt: string, rl: string) =>
  db
    .selectFrom('patient_keys as p')
    .leftJoin('data_keys as d', (j) =>
      j.onRef('d.pt', '=', 'p.pt').on('d.rl', '=', rl).onRef('d.epoch', '=', 'p.epoch'),
    )
    .select([...patientColumns, ...dataColumns])
    .where('p.pt', '=', pt),
);
const selectAt = prepared((db: KeyringDb, pt: string, rl: string, epoch: number) =>
  db
    .selectFrom('patient_keys as p')
    .leftJoin('data_keys as d', (j) =>
      j.onRef('d.pt', '=', 'p.pt').on('d.rl', '=', rl).on('d.epoch', '=', epoch),
    )
    .select([...patientColumns, ...dataColumns])
    .where('p.pt', '=', pt),
);

/** The patient's row and its data key for `rl` at `epoch` (the current one if omitted). */
export async function lookup(
  db: KeyringDb,
  pt: string,
  rl: Confidentiality,
  epoch?: number,
): Promise<KeyLookup | undefined> {
  const [row] =
    epoch === undefined ? await selectCurrent(db, pt, rl) : await selectAt(db, pt, rl, epoch);
  if (!row) return undefined;
  const { d_epoch, d_iv, d_ct, ...patient } = row;
  const data =
    d_epoch !== null && d_iv && d_ct ? { epoch: d_epoch, iv: d_iv, ct: d_ct } : undefined;
  return { ...patient, data };
}

/** Any one master-key id in use, to refuse a wrong master key at start. */
export async function anyKekId(db: KeyringDb): Promise<string | undefined> {
  const row = await db
    .selectFrom('patient_keys')
    .select('kek_id')
    .where('kek_id', 'is not', null)
    .limit(1)
    .executeTakeFirst();
  return row?.kek_id ?? undefined;
}

/**
 * Stores a new patient's wrapped key with its epoch-1 data keys, in one
 * transaction; does nothing if the id already has a row (keyed or
 * tombstone). The insert is ON CONFLICT DO NOTHING: on PostgreSQL a second
 * inserter waits for the first to commit and then inserts nothing, so
 * concurrent first uses end with one key.
 */
export async function insertPatient(
  db: KeyringDb,
  pt: string,
  kekId: string,
  patientKey: Sealed,
  dataKeys: (epoch: number) => WrappedDataKey[],
): Promise<void> {
  const now = Date.now();
  await db.transaction().execute(async (tx) => {
    const inserted = await tx
      .insertInto('patient_keys')
      .values({
        pt,
        kek_id: kekId,
        iv: bytes(patientKey.iv),
        ct: bytes(patientKey.ct),
        epoch: 1,
        created_at: now,
        shredded_at: null,
      })
      .onConflict((oc) => oc.column('pt').doNothing())
      .returning('pt')
      .executeTakeFirst();
    if (inserted) await insertDataKeys(tx, pt, 1, dataKeys(1), now);
  });
}

/**
 * Moves a keyed patient to the next epoch and stores its data keys, in one
 * transaction. The UPDATE locks the row, so concurrent rotations get
 * successive epochs; it skips a tombstone, so a rotation racing a
 * shredding adds nothing. Returns the new epoch, or undefined if shredded.
 */
export async function nextEpoch(
  db: KeyringDb,
  pt: string,
  dataKeys: (epoch: number) => WrappedDataKey[],
): Promise<number | undefined> {
  return db.transaction().execute(async (tx) => {
    const row = await tx
      .updateTable('patient_keys')
      .set((eb) => ({ epoch: eb('epoch', '+', 1) }))
      .where('pt', '=', pt)
      .where('shredded_at', 'is', null)
      .returning('epoch')
      .executeTakeFirst();
    if (!row) return undefined;
    await insertDataKeys(tx, pt, row.epoch, dataKeys(row.epoch), Date.now());
    return row.epoch;
  });
}

/**
 * Crypto-shredding: deletes the wrapped patient key and every wrapped data
 * key, and leaves (or writes, for an id never keyed) a tombstone row with
 * the time. The tombstone is written first, so on PostgreSQL it takes the
 * row lock before the data keys go: a concurrent first use or rotation
 * either committed before (and its keys are deleted) or finds the tombstone.
 * Returns when the patient was shredded (the first time, if repeated).
 */
export async function shredPatient(db: KeyringDb, pt: string): Promise<number> {
  const now = Date.now();
  return db.transaction().execute(async (tx) => {
    const row = await tx
      .insertInto('patient_keys')
      .values({ pt, kek_id: null, iv: null, ct: null, epoch: 0, created_at: now, shredded_at: now })
      .onConflict((oc) =>
        oc.column('pt').doUpdateSet((eb) => ({
          kek_id: null,
          iv: null,
          ct: null,
          shredded_at: eb.fn.coalesce('patient_keys.shredded_at', eb.ref('excluded.shredded_at')),
        })),
      )
      .returning('shredded_at')
      .executeTakeFirstOrThrow();
    await tx.deleteFrom('data_keys').where('pt', '=', pt).execute();
    return Number(row.shredded_at);
  });
}

/**
 * SQLite keeps deleted bytes in free space and old page images in its
 * write-ahead log. With secure_delete on, deleted content is overwritten
 * with zeros (https://www.sqlite.org/pragma.html#pragma_secure_delete);
 * a TRUNCATE checkpoint then copies the zeroed pages into the database file
 * and empties the log, so no copy of a shredded key stays in the files.
 */
export async function enableSecureDelete(db: KeyringDb, dialect: Dialect): Promise<void> {
  if (dialect === 'sqlite') await sql`PRAGMA secure_delete = ON`.execute(db);
}

/** Empties SQLite's log after a shredding; false if a reader kept it from finishing. */
export async function truncateLog(db: KeyringDb, dialect: Dialect): Promise<boolean> {
  if (dialect !== 'sqlite') return true;
  const result = await sql<{ busy: number }>`PRAGMA wal_checkpoint(TRUNCATE)`.execute(db);
  return result.rows[0]?.busy === 0;
}

async function insertDataKeys(
  tx: KeyringDb,
  pt: string,
  epoch: number,
  keys: WrappedDataKey[],
  now: number,
): Promise<void> {
  await tx
    .insertInto('data_keys')
    .values(
      keys.map((k) => ({ pt, rl: k.rl, epoch, iv: bytes(k.iv), ct: bytes(k.ct), created_at: now })),
    )
    .execute();
}

/** better-sqlite3 binds Buffers (not other Uint8Arrays) as blobs; pg takes them as bytea. */
function bytes(u: Uint8Array): Buffer {
  return Buffer.from(u.buffer, u.byteOffset, u.byteLength);
}
