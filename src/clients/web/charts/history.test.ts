import { describe, expect, it } from 'vitest';
import type { SealedVersion } from '../../../protocol/envelope.js';
import type { CseAnswer } from '../records/cse.js';
import { ApiError } from '../session/api.js';
import { loadHistory, m2mTime, type HistorySource } from './history.js';

const NOW = Date.parse('2026-12-03T11:00:00.000Z');
const version = (n: number, epoch = 1): SealedVersion => ({
  v: 1,
  typ: 'tutela.version',
  pt: 'pt-0001',
  rl: 'R',
  cl: 'low',
  epoch,
  src: `gw-1:${n}`,
  at: new Date(NOW - 3_600_000 + n * 1000).toISOString(),
  iv: 'AAAA',
  ct: 'AAAA',
});
const pulse = (v: number) => ({
  entry: [
    {
      resource: {
        resourceType: 'Observation',
        code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
        valueQuantity: { value: v },
      },
    },
  ],
});
const listing = (cins: unknown[], continueFrom?: number): CseAnswer => ({
  rsc: 2000,
  status: 200,
  body: { 'm2m:cnt': { 'm2m:cin': cins } },
  ...(continueFrom === undefined ? {} : { continueFrom }),
});
const cin = (s: SealedVersion) => ({ con: JSON.stringify(s) });

function fake(pages: Record<number, CseAnswer>, open: HistorySource['openContent']) {
  const asked: string[] = [];
  const source: HistorySource = {
    get: (path) => {
      asked.push(path);
      const ofst = Number(new URL(path, 'https://x').searchParams.get('ofst'));
      return Promise.resolve(pages[ofst] ?? listing([]));
    },
    openContent: open,
  };
  return { source, asked };
}

describe('the last two hours from the CSE', () => {
  it('writes oneM2M timestamps in the basic format, UTC', () => {
    expect(m2mTime(Date.parse('2026-12-03T09:05:07.123Z'))).toBe('20261203T090507');
  });

  it('lists contentInstances created in the window, page by page, and opens each', async () => {
    const { source, asked } = fake(
      {
        0: listing([cin(version(1)), cin(version(2))], 2),
        2: listing([cin(version(3))]),
      },
      (s) => Promise.resolve(pulse(Number(s.src.split(':')[1]) * 10)),
    );
    const h = await loadHistory(source, '/cse-in/pt-0001/rl-R', NOW);
    expect(asked).toEqual([
      '/cse-in/pt-0001/rl-R?rcn=8&ty=4&cra=20261203T090000&lim=1000&ofst=0',
      '/cse-in/pt-0001/rl-R?rcn=8&ty=4&cra=20261203T090000&lim=1000&ofst=2',
    ]);
    expect(h.points.map((p) => p.signs.pulse)).toEqual([10, 20, 30]);
    expect(h.unreadable).toBe(0);
  });

  it('skips what does not read, and asks for a refused epoch’s key once', async () => {
    const opened: string[] = [];
    const { source } = fake(
      {
        0: listing([
          cin(version(1, 1)),
          cin(version(2, 1)),
          { con: 'not a version' },
          cin(version(3, 2)),
          cin(version(4, 2)),
        ]),
      },
      (s) => {
        opened.push(s.src);
        if (s.epoch === 1)
          return Promise.reject(new ApiError(403, 'history_not_allowed', 'before you joined'));
        if (s.src === 'gw-1:3') return Promise.reject(new Error('does not open'));
        return Promise.resolve(pulse(70));
      },
    );
    const h = await loadHistory(source, '/cse-in/pt-0001/rl-R', NOW);
    expect(opened).toEqual(['gw-1:1', 'gw-1:3', 'gw-1:4']);
    expect(h.points.map((p) => p.src)).toEqual(['gw-1:4']);
    expect(h.unreadable).toBe(4);
  });

  it('says so when the service layer refuses or fails', async () => {
    const refused = fake({ 0: { rsc: 4103, status: 403, body: {} } }, () => Promise.resolve({}));
    await expect(loadHistory(refused.source, '/v', NOW)).rejects.toMatchObject({
      code: 'cse_refused',
    });
    const failed = fake({ 0: { rsc: 5000, status: 500, body: {} } }, () => Promise.resolve({}));
    await expect(loadHistory(failed.source, '/v', NOW)).rejects.toMatchObject({
      code: 'cse_request_failed',
    });
  });

  it('stops after a window’s worth of pages even if the CSE says there is more', async () => {
    const { source, asked } = fake({}, () => Promise.resolve({}));
    source.get = (path) => {
      asked.push(path);
      return Promise.resolve(listing([], asked.length * 1000));
    };
    await loadHistory(source, '/v', NOW);
    expect(asked.length).toBe(9);
  });
});
