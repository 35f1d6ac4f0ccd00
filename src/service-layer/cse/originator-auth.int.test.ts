import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../core/config/index.js';
import { openTestDatabase, type TestDatabase } from '../../core/db/testing.js';
import { silentLogger } from '../../core/log.js';
import { Operation } from './model/types.js';
import { Cse, cseMigrations, type CseTables, type OriginatorCheck } from './index.js';

/** The CSE's originator-authentication hook, with a stand-in that refuses one originator. */
describe('the CSE authenticateOriginator hook', () => {
  let app: FastifyInstance;
  let database: TestDatabase<CseTables>;
  let cse: Cse;
  const seen: OriginatorCheck[] = [];

  beforeAll(async () => {
    database = await openTestDatabase<CseTables>(
      { name: 'sqlite' },
      { zone: 'cse', migrations: cseMigrations },
    );
    const config = loadConfig({}, { dataDir: database.dataDir, logLevel: 'silent' });
    cse = await Cse.create({
      config: config.cse,
      database,
      log: silentLogger,
      authenticateOriginator: async (check) => {
        seen.push(check);
        return check.originator === 'Cforged' ? 'no certificate for it' : undefined;
      },
    });
    app = Fastify();
    await cse.register(app);
  });
  afterAll(async () => {
    await cse.close();
    await app.close();
    await database.cleanup();
  });

  const send = (origin: string, method: 'GET' | 'POST' = 'GET', body?: unknown) =>
    app.inject({
      method,
      url: '/cse-in',
      headers: {
        'x-m2m-origin': origin,
        'x-m2m-ri': 'r1',
        'x-m2m-rvi': '3',
        ...(body ? { 'content-type': 'application/json;ty=2' } : {}),
      },
      ...(body ? { payload: JSON.stringify(body) } : {}),
    });

  it('refuses with 4103 and the reason the hook gives, before anything runs', async () => {
    const res = await send('Cforged', 'POST', {
      'm2m:ae': { rn: 'forged', api: 'Nx', rr: false, srv: ['3'] },
    });
    expect(res.headers['x-m2m-rsc']).toBe('4103');
    expect(res.statusCode).toBe(403);
    expect(res.json()).toEqual({
      'm2m:dbg': 'originator Cforged is not authenticated: no certificate for it',
    });
    // Nothing was registered.
    const rows = await database.db
      .selectFrom('resources')
      .select('ri')
      .where('ri', '=', 'Cforged')
      .execute();
    expect(rows).toEqual([]);
    const check = seen.find((c) => c.originator === 'Cforged')!;
    expect(check).toMatchObject({ op: Operation.CREATE, to: '/cse-in', certificate: undefined });
  });

  it('hands the hook the bearer token, and refuses a malformed Authorization header', async () => {
    const res = await app.inject({
      method: 'GET',
      url: '/cse-in',
      headers: {
        'x-m2m-origin': 'Ctoken',
        'x-m2m-ri': 'r2',
        'x-m2m-rvi': '3',
        authorization: 'Bearer abc.def-_~+/=',
      },
    });
    expect(res.headers['x-m2m-rsc']).not.toBe('4103');
    expect(seen.find((c) => c.originator === 'Ctoken')?.token).toBe('abc.def-_~+/=');
    const bad = await app.inject({
      method: 'GET',
      url: '/cse-in',
      headers: { 'x-m2m-origin': 'Cbad', 'x-m2m-ri': 'r3', authorization: 'Basic dTpw' },
    });
    expect(bad.headers['x-m2m-rsc']).toBe('4000');
  });

  it('lets other originators through unchanged', async () => {
    const res = await send('Cother', 'POST', {
      'm2m:ae': { rn: 'other', api: 'Nx', rr: false, srv: ['3'] },
    });
    expect(res.headers['x-m2m-rsc']).toBe('2001');
    expect(seen.some((c) => c.originator === 'Cother' && c.op === Operation.CREATE)).toBe(true);
  });
});
