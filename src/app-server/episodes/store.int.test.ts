import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { dropPostgresSchema, openDatabase, type Database } from '../../core/db/index.js';
import { databaseTargets } from '../../core/db/testing.js';
import { appMigrations, type AppTables } from '../store/index.js';
import { EpisodeStore } from './store.js';

describe.each(databaseTargets())('episode storage ($name)', (target) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tutela-episodes-'));
  const prefix = `t${randomBytes(5).toString('hex')}`;
  const open = (upTo?: string) =>
    openDatabase<AppTables>({
      zone: 'app',
      dataDir,
      url: target.url,
      pgSchemaPrefix: prefix,
      migrations: (d) =>
        Object.fromEntries(
          Object.entries(appMigrations(d)).filter(([name]) => !upTo || name <= upTo),
        ),
    });
  let db: Database<AppTables> | undefined;

  afterEach(async () => {
    await db?.close();
    if (target.url) await dropPostgresSchema(target.url, `${prefix}_app`);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('turns every care team into an open episode whose members joined at epoch 1, then one episode per patient', async () => {
    // A database as the interim directory left it (migrations up to 0102), with care teams.
    const old = await open('0102-app-replay-window');
    const k = old.db as unknown as import('kysely').Kysely<Record<string, Record<string, unknown>>>;
    for (const pt of ['pt-1', 'pt-2'])
      await k
        .insertInto('patients')
        .values({ pt, spo2_scale: 1, inbox_ri: null, created_at: 1 })
        .execute();
    for (const [id, role, al] of [
      ['doc', 'doctor', 'R'],
      ['fam', 'family', 'L'],
    ])
      await k
        .insertInto('users')
        .values({ id, role, al, token_hash: `h-${id}`, created_at: 1 })
        .execute();
    for (const [pt, user_id] of [
      ['pt-1', 'doc'],
      ['pt-1', 'fam'],
      ['pt-2', 'doc'],
    ])
      await k.insertInto('care_team').values({ pt, user_id, added_at: 5 }).execute();
    await old.close();

    db = await open();
    const store = new EpisodeStore(db.db, db.dialect);
    const team = await store.participants('pt-1');
    expect(team.map((p) => [p.user, p.role, p.al, p.history, p.joinedEpoch, p.joinedAt])).toEqual([
      ['doc', 'doctor', 'R', true, 1, 5],
      ['fam', 'family', 'L', false, 1, 5],
    ]);
    expect((await store.participationsOf('doc')).map((p) => p.pt)).toEqual(['pt-1', 'pt-2']);
    // The care team table is gone.
    await expect(
      (db.db as unknown as import('kysely').Kysely<Record<string, Record<string, unknown>>>)
        .selectFrom('care_team')
        .selectAll()
        .execute(),
    ).rejects.toBeTruthy();

    // One open episode per patient, even when two open it at once.
    const both = await Promise.all([store.ensureEpisode('pt-2'), store.ensureEpisode('pt-2')]);
    expect(both[0].id).toBe(both[1].id);
    expect(both.every((e) => !e.opened)).toBe(true);
    const migrated = await store.openEpisode('pt-1');
    await expect(
      db.db
        .insertInto('episodes')
        .values({ id: 'ep-dup', pt: 'pt-1', opened_at: 9, closed_at: null })
        .execute(),
    ).rejects.toBeTruthy();

    // One current participation per person; ending it twice ends it once.
    await expect(
      store.add(migrated!, 'pt-1', {
        user: 'doc',
        role: 'doctor',
        al: 'R',
        history: true,
        joinedEpoch: 2,
        invitedBy: 'x',
      }),
    ).rejects.toMatchObject({ code: 'already_participant', status: 409 });
    const fam = team[1]!;
    const [first, second] = await Promise.all([store.end(fam, 'doc'), store.end(fam, 'doc')]);
    expect([first, second].filter(Boolean)).toHaveLength(1);
    expect(await store.participant('pt-1', 'fam')).toBeUndefined();
    expect(await store.everJoined(migrated!, 'fam')).toBe(true);
    const pending = await store.pendingRevocations();
    expect(pending).toEqual([
      { id: expect.any(String), pt: 'pt-1', participant: fam.id, user: 'fam' },
    ]);
    await store.revocationFailed(pending[0]!.id, 'CSE away');
    expect(await store.pendingRevocations()).toHaveLength(1);
    await store.revocationDone(pending[0]!.id);
    expect(await store.pendingRevocations()).toEqual([]);
  });

  it('keeps one patient’s changes one at a time across workers sharing the database', async () => {
    db = await open();
    // Two application-server workers: two stores (two pools on PostgreSQL), one database.
    const other = await open();
    try {
      const a = new EpisodeStore(db.db, db.dialect);
      const b = new EpisodeStore(other.db, other.dialect);
      const log: string[] = [];
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      let entered!: () => void;
      const aIn = new Promise<void>((r) => (entered = r));
      const first = a.exclusive('pt-1', async () => {
        log.push('a:start');
        entered();
        await gate;
        log.push('a:end');
      });
      await aIn;
      const second = b.exclusive('pt-1', async () => void log.push('b'));
      const elsewhere = b.exclusive('pt-2', async () => void log.push('pt-2'));
      await elsewhere;
      await new Promise((r) => setTimeout(r, 100));
      release();
      await Promise.all([first, second]);
      if (db.dialect === 'postgres') expect(log).toEqual(['a:start', 'pt-2', 'a:end', 'b']);
      // SQLite runs one application server: its lock is the in-process one (lock.test.ts).
      else expect(log).toContain('b');
    } finally {
      await other.close();
    }
  });
});
