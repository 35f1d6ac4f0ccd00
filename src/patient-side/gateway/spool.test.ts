import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { SealedReading } from '../../protocol/envelope.js';
import { Spool } from './spool.js';

const sealed = (seq: number): SealedReading => ({
  v: 1,
  typ: 'tutela.reading',
  pt: 'pt-1',
  dev: 'gw1',
  seq,
  kid: 'app-1',
  enc: 'AAAA',
  ct: 'BBBB',
});

describe('the gateway spool', () => {
  let dir: string;
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps readings in order across restarts and never reuses a sequence number', () => {
    dir = mkdtempSync(join(tmpdir(), 'tutela-spool-'));
    const a = new Spool(dir);
    for (let i = 0; i < 3; i++) a.append(sealed(a.reserveSeq()));
    a.remove(1);
    // A crash left a half-written file behind: it was never acknowledged and is dropped.
    writeFileSync(join(dir, 'spool', '0000000000000009.json.tmp'), '{"v":');
    const b = new Spool(dir);
    expect(b.size).toBe(2);
    expect(b.oldest()?.seq).toBe(2);
    expect(b.reserveSeq()).toBe(4);
    expect(existsSync(join(dir, 'spool', '0000000000000009.json.tmp'))).toBe(false);
  });

  it('sets a damaged reading aside and goes on with the next', () => {
    dir = mkdtempSync(join(tmpdir(), 'tutela-spool-'));
    const s = new Spool(dir);
    s.append(sealed(s.reserveSeq()));
    s.append(sealed(s.reserveSeq()));
    writeFileSync(join(dir, 'spool', '0000000000000001.json'), '{"not": "a reading"');
    const again = new Spool(dir);
    expect(again.oldest()?.seq).toBe(2);
    expect(again.damaged).toBe(1);
    expect(readdirSync(join(dir, 'spool', 'damaged'))).toEqual(['0000000000000001.json']);
  });
});
