import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { open, seal } from '../../crypto/aead.js';
import { databaseTargets, openTestDatabase, type TestDatabase } from '../../core/db/testing.js';
import { versionAad } from '../../protocol/envelope.js';
import { CONFIDENTIALITY } from '../../protocol/levels.js';
import { appMigrations, type KeyringTables } from '../store/index.js';
import { Keyring } from './keyring.js';
import { unwrapPatientKey } from './wrap.js';

/** The zone's tables as the keyring sees them: its own among other features' (here a stand-in). */
type ZoneTables = KeyringTables & { other_feature: { id: number } };

const kek = () => new Uint8Array(randomBytes(32));
const shredded = expect.objectContaining({ code: 'patient_shredded' });
const notFound = expect.objectContaining({ code: 'data_key_not_found' });

describe.each(databaseTargets())('keyring on $name', (target) => {
  let database: TestDatabase<ZoneTables> | undefined;
  afterEach(async () => {
    await database?.cleanup();
    database = undefined;
  });
  const open_ = async () =>
    (database = await openTestDatabase<ZoneTables>(target, {
      zone: 'app',
      migrations: appMigrations,
    }));
  const rows = async (pt: string) => ({
    patient: await database!.db
      .selectFrom('patient_keys')
      .selectAll()
      .where('pt', '=', pt)
      .execute(),
    data: await database!.db.selectFrom('data_keys').selectAll().where('pt', '=', pt).execute(),
  });

  it('makes a patient key and six data keys on first use, and gives the same ones after', async () => {
    const db = await open_();
    const master = kek();
    const keyring = await Keyring.open(db, master);
    const first = await keyring.dataKey('pt-1', 'N');
    expect(first.epoch).toBe(1);
    expect(first.key).toHaveLength(32);
    const stored = await rows('pt-1');
    expect(stored.patient).toHaveLength(1);
    expect(stored.patient[0]).toMatchObject({ epoch: 1, shredded_at: null });
    expect(stored.data.map((d) => d.rl).sort()).toEqual([...CONFIDENTIALITY].sort());
    expect(await keyring.dataKey('pt-1', 'N')).toEqual(first);
    expect(await keyring.currentEpoch('pt-1')).toBe(1);
    // Each RL has its own key; a fresh keyring (empty cache) unwraps the same ones.
    const all = await Promise.all(CONFIDENTIALITY.map((rl) => keyring.dataKey('pt-1', rl)));
    expect(new Set(all.map((k) => Buffer.from(k.key).toString('hex'))).size).toBe(6);
    const fresh = await Keyring.open(db, master);
    expect(await fresh.dataKey('pt-1', 'N')).toEqual(first);
    expect(await fresh.dataKeyAt('pt-1', 'N', 1)).toEqual(first);
    // Another patient, other keys.
    expect((await keyring.dataKey('pt-2', 'N')).key).not.toEqual(first.key);
  });

  it('ends with one key when 20 first uses race, from two keyrings (two caches)', async () => {
    const db = await open_();
    const master = kek();
    const [a, b] = [await Keyring.open(db, master), await Keyring.open(db, master)];
    const got = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        (i % 2 ? a : b).dataKey('pt-race', CONFIDENTIALITY[i % 6]!),
      ),
    );
    const stored = await rows('pt-race');
    expect(stored.patient).toHaveLength(1);
    expect(stored.data).toHaveLength(6);
    const again = await Keyring.open(db, master);
    for (const [i, k] of got.entries())
      expect(k).toEqual(await again.dataKey('pt-race', CONFIDENTIALITY[i % 6]!));
  });

  it('rotates to a new epoch for all six RLs, and old epochs stay readable', async () => {
    const db = await open_();
    const master = kek();
    const keyring = await Keyring.open(db, master);
    const before = await Promise.all(CONFIDENTIALITY.map((rl) => keyring.dataKey('pt-1', rl)));
    expect(await keyring.rotate('pt-1')).toBe(2);
    expect(await keyring.currentEpoch('pt-1')).toBe(2);
    const after = await Promise.all(CONFIDENTIALITY.map((rl) => keyring.dataKey('pt-1', rl)));
    for (const [i, rl] of CONFIDENTIALITY.entries()) {
      expect(after[i]!.epoch).toBe(2);
      expect(after[i]!.key).not.toEqual(before[i]!.key);
      expect(await keyring.dataKeyAt('pt-1', rl, 1)).toEqual(before[i]);
      expect(await keyring.dataKey('pt-1', rl, 1)).toEqual(before[i]);
    }
    const fresh = await Keyring.open(db, master);
    expect(await fresh.dataKeyAt('pt-1', 'V', 1)).toEqual(before[5]);
    expect(await fresh.dataKeyAt('pt-1', 'V', 2)).toEqual(after[5]);
    expect((await rows('pt-1')).data).toHaveLength(12);
    // Concurrent rotations take successive epochs; none is lost or doubled.
    const epochs = await Promise.all([1, 2, 3, 4, 5].map(() => keyring.rotate('pt-1')));
    expect(epochs.sort()).toEqual([3, 4, 5, 6, 7]);
    expect((await rows('pt-1')).data).toHaveLength(42);
    // Rotating a patient never seen makes epoch 1, then 2.
    expect(await keyring.rotate('pt-new')).toBe(2);
  });

  it('finds no key for an epoch that does not exist, and makes none when reading', async () => {
    const keyring = await Keyring.open(await open_(), kek());
    await keyring.dataKey('pt-1', 'U');
    await expect(keyring.dataKeyAt('pt-1', 'U', 2)).rejects.toEqual(notFound);
    await expect(keyring.dataKeyAt('pt-unknown', 'U', 1)).rejects.toEqual(notFound);
    expect((await rows('pt-unknown')).patient).toEqual([]);
    for (const bad of [0, -1, 1.5, Number.NaN])
      await expect(keyring.dataKeyAt('pt-1', 'U', bad)).rejects.toMatchObject({
        code: 'bad_request',
      });
    await expect(keyring.dataKey('pt 1', 'U')).rejects.toMatchObject({ code: 'bad_request' });
    await expect(keyring.dataKey('pt-1', 'X' as never)).rejects.toMatchObject({
      code: 'bad_request',
    });
  });

  it('shreds: versions sealed before can never be opened again, not even by a fresh keyring', async () => {
    const db = await open_();
    const master = kek();
    const keyring = await Keyring.open(db, master);
    const header = {
      pt: 'pt-1',
      rl: 'N',
      cl: 'low',
      src: 'gw-1:7',
      at: '2025-01-01T00:00:00Z',
    } as const;
    const sealVersion = async (epochNow: number) => {
      const { epoch, key } = await keyring.dataKey('pt-1', 'N');
      expect(epoch).toBe(epochNow);
      const aad = versionAad({ ...header, epoch });
      return { epoch, aad, ...seal(key, new TextEncoder().encode('{"hr":72}'), aad) };
    };
    const openVersion = async (ring: Keyring, v: Awaited<ReturnType<typeof sealVersion>>) =>
      open((await ring.dataKeyAt('pt-1', 'N', v.epoch)).key, v.iv, v.ct, v.aad);
    const versions = [await sealVersion(1)];
    await keyring.rotate('pt-1');
    versions.push(await sealVersion(2));
    await keyring.dataKey('pt-2', 'N');
    const other = await Keyring.open(db, master);
    for (const v of versions) expect(await openVersion(other, v)).toHaveLength(9);

    const cached = (ring: Keyring) =>
      [...(ring as any).cache.entries.keys()].filter((n: string) => n.startsWith('pt-1\n'));
    expect(cached(keyring).length).toBeGreaterThan(0);
    const at = await keyring.shred('pt-1');
    // Purged from memory here at once, and from another keyring's when it next asks.
    expect(cached(keyring)).toEqual([]);
    expect(at.getTime()).toBeLessThanOrEqual(Date.now());
    for (const ring of [keyring, other, await Keyring.open(db, master)]) {
      for (const v of versions) await expect(openVersion(ring, v)).rejects.toEqual(shredded);
      await expect(ring.dataKey('pt-1', 'N')).rejects.toEqual(shredded);
      await expect(ring.dataKey('pt-1', 'N', 2)).rejects.toEqual(shredded);
      await expect(ring.currentEpoch('pt-1')).rejects.toEqual(shredded);
      await expect(ring.rotate('pt-1')).rejects.toEqual(shredded);
    }
    expect(cached(other)).toEqual([]);
    // No wrapped key is left to unwrap, only the tombstone saying when.
    const stored = await rows('pt-1');
    expect(stored.data).toEqual([]);
    expect(stored.patient).toEqual([
      expect.objectContaining({ kek_id: null, iv: null, ct: null, shredded_at: at.getTime() }),
    ]);
    // Other patients are untouched; shredding again keeps the first time.
    expect((await keyring.dataKey('pt-2', 'N')).epoch).toBe(1);
    expect((await keyring.shred('pt-1')).getTime()).toBe(at.getTime());
  });

  it('sees a shredding done by another keyring (another process) at once', async () => {
    const db = await open_();
    const master = kek();
    const [a, b] = [await Keyring.open(db, master), await Keyring.open(db, master)];
    await a.dataKey('pt-1', 'R'); // now in a's cache
    await b.shred('pt-1');
    await expect(a.dataKey('pt-1', 'R')).rejects.toEqual(shredded);
    await expect(a.dataKeyAt('pt-1', 'R', 1)).rejects.toEqual(shredded);
  });

  it('never keys a shredded id again, even one shredded before it was ever keyed', async () => {
    const keyring = await Keyring.open(await open_(), kek());
    await keyring.shred('pt-gone');
    await expect(keyring.dataKey('pt-gone', 'U')).rejects.toEqual(shredded);
    await expect(keyring.rotate('pt-gone')).rejects.toEqual(shredded);
    expect((await rows('pt-gone')).data).toEqual([]);
  });

  it('refuses a master key that did not wrap this database, with a clear error', async () => {
    const db = await open_();
    await (await Keyring.open(db, kek())).dataKey('pt-1', 'N');
    await expect(Keyring.open(db, kek())).rejects.toMatchObject({
      code: 'master_key_mismatch',
      message: expect.stringMatching(/wrong TUTELA_MASTER_KEY or key file/),
    });
    await expect(Keyring.open(db, new Uint8Array(16))).rejects.toMatchObject({
      code: 'invalid_master_key',
    });
  });

  it('refuses a stored key that was altered or moved to another row', async () => {
    const db = await open_();
    const master = kek();
    const keyring = await Keyring.open(db, master);
    await keyring.dataKey('pt-1', 'N');
    await keyring.dataKey('pt-2', 'N');
    const unwrapFailed = expect.objectContaining({ code: 'key_unwrap_failed' });
    // pt-2's wrapped patient key on pt-1's row: the AAD names the patient.
    const p2 = (await rows('pt-2')).patient[0]!;
    await db.db
      .updateTable('patient_keys')
      .set({ iv: p2.iv, ct: p2.ct })
      .where('pt', '=', 'pt-1')
      .execute();
    await expect((await Keyring.open(db, master)).dataKey('pt-1', 'N')).rejects.toEqual(
      unwrapFailed,
    );
    // RL M's wrapped data key on RL N's row: the AAD names the RL.
    const m = (await rows('pt-2')).data.find((d) => d.rl === 'M')!;
    await db.db
      .updateTable('data_keys')
      .set({ iv: m.iv, ct: m.ct })
      .where('pt', '=', 'pt-2')
      .where('rl', '=', 'N')
      .execute();
    await expect((await Keyring.open(db, master)).dataKey('pt-2', 'N')).rejects.toEqual(
      unwrapFailed,
    );
  });

  it.runIf(target.name === 'sqlite')(
    'never writes a key in clear to the SQLite files, and leaves no shredded wrapped key in them',
    async () => {
      const db = await open_();
      const master = kek();
      const keyring = await Keyring.open(db, master);
      const clear: Uint8Array[] = [master];
      for (const pt of ['pt-1', 'pt-2', 'pt-3']) {
        for (const rl of CONFIDENTIALITY) clear.push((await keyring.dataKey(pt, rl)).key);
        await keyring.rotate(pt);
        for (const rl of CONFIDENTIALITY) clear.push((await keyring.dataKey(pt, rl)).key);
        const p = (await rows(pt)).patient[0]!;
        clear.push(unwrapPatientKey(master, pt, { iv: p.iv!, ct: p.ct! }));
      }
      const wrappedOfPt1 = await rows('pt-1');
      const files = () =>
        Buffer.concat(
          [db.location, `${db.location}-wal`].filter(existsSync).map((f) => readFileSync(f)),
        );
      const before = files();
      for (const key of clear) expect(before.indexOf(key)).toBe(-1);
      // The stored wrapped keys are there (the search does find what is written).
      expect(before.indexOf(wrappedOfPt1.patient[0]!.ct!)).toBeGreaterThan(-1);

      await keyring.shred('pt-1');
      const after = files();
      for (const wrapped of [wrappedOfPt1.patient[0]!, ...wrappedOfPt1.data])
        expect(after.indexOf(wrapped.ct!)).toBe(-1);
      expect(after.indexOf((await rows('pt-2')).patient[0]!.ct!)).toBeGreaterThan(-1);
    },
  );
});
