import { statSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqlite } from './sqlite.js';

describe('SQLite checkpoints in a worker thread', () => {
  let dir: string | undefined;
  let opened: ReturnType<typeof openSqlite> | undefined;
  afterEach(async () => {
    await opened?.checkpointer.close();
    opened?.raw.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
    opened = undefined;
  });

  const fill = (raw: ReturnType<typeof openSqlite>['raw'], rows: number) => {
    const insert = raw.prepare('insert into t (body) values (?)');
    raw.transaction(() => {
      for (let i = 0; i < rows; i++) insert.run('x'.repeat(1000));
    })();
  };

  it('copies committed pages into the database file while the writer does no checkpoint itself', async () => {
    dir = mkdtempSync(join(tmpdir(), 'tutela-ckpt-'));
    opened = openSqlite(dir, 'test', 'NORMAL');
    const { raw } = opened;
    expect(raw.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
    raw.exec('create table t (id integer primary key, body text)');
    const file = join(dir, 'test.sqlite');
    const before = statSync(file).size;
    fill(raw, 5000); // about 5 MB, well past the 1,000 pages of an inline checkpoint
    let after = before;
    for (let i = 0; i < 50 && after < before + 4_000_000; i++) {
      await new Promise((r) => setTimeout(r, 50));
      after = statSync(file).size;
    }
    expect(after).toBeGreaterThan(before + 4_000_000);
  });

  it('turns inline checkpoints back on when the worker dies', async () => {
    dir = mkdtempSync(join(tmpdir(), 'tutela-ckpt-'));
    opened = openSqlite(dir, 'test', 'NORMAL');
    const warned = new Promise<string>((resolve) =>
      process.once('warning', (w) => resolve(w.message)),
    );
    await opened.checkpointer.worker.terminate();
    expect(await warned).toMatch(/checkpoint worker stopped/);
    expect(opened.raw.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
  });
});
