import { afterEach, describe, expect, it, vi } from 'vitest';
import { cseRequest } from './cse.js';

const me = { ae: 'Cu-doctor' };
const answer = (headers: Record<string, string>) =>
  vi.fn(() => Promise.resolve(new Response('{"m2m:cnt":{}}', { status: 200, headers })));

afterEach(() => vi.unstubAllGlobals());

describe('a CSE request from the browser', () => {
  it('tells a partial listing and where it goes on (X-M2M-CTS / X-M2M-CTO)', async () => {
    const fetch = answer({ 'x-m2m-rsc': '2000', 'x-m2m-cts': '1', 'x-m2m-cto': '1000' });
    vi.stubGlobal('fetch', fetch);
    const res = await cseRequest(me, 'tok', 'GET', '/cse-in/pt-0001/rl-R?rcn=8');
    expect(res).toEqual({ rsc: 2000, status: 200, body: { 'm2m:cnt': {} }, continueFrom: 1000 });
    const [, init] = fetch.mock.calls[0] as unknown as [string, RequestInit];
    expect(init.headers).toMatchObject({
      'x-m2m-origin': 'Cu-doctor',
      authorization: 'Bearer tok',
    });
  });

  it('a complete listing has nothing to go on from', async () => {
    vi.stubGlobal('fetch', answer({ 'x-m2m-rsc': '2000' }));
    const res = await cseRequest(me, undefined, 'GET', '/cse-in/pt-0001/rl-R?rcn=8');
    expect(res.continueFrom).toBeUndefined();
  });
});
