import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../core/log.js';
import type { M2MClient } from '../../core/m2m/index.js';
import { openAck, parseSealedAck, sealCommand } from '../../crypto/command-seal.js';
import { generateKeyPair } from '../../crypto/hpke.js';
import type { CommandBody } from '../../protocol/command.js';
import { ThingRequestError, type ConsumedThing } from '../things/index.js';
import { CommandRunner } from './commands.js';

const app = (await generateKeyPair()).pair;
const gw = (await generateKeyPair()).pair;

/** A CSE holding the commands container's instances, and the acks written. */
function fakeCse() {
  const cins: Array<{ rn: string; con: string }> = [];
  const acks: string[] = [];
  const cse = {
    retrieve: async () => ({ 'm2m:cnt': { 'm2m:cin': [...cins] } }),
    createInstance: async (_path: string, con: string) => {
      acks.push(con);
      return 'created';
    },
  } as unknown as M2MClient;
  return { cse, cins, acks };
}

/** An infusion pump Thing that records what it was asked, and refuses rates above 500. */
function fakePump() {
  const calls: unknown[] = [];
  const thing = {
    name: 'urn:tutela:thing:pt-1:infusion-pump',
    invokeAction: async (action: string, input: { rate: number }) => {
      calls.push({ action, input });
      if (input.rate > 500)
        throw new ThingRequestError(400, 'bad_request', 'input for setRate at /rate: too high');
      return { value: input.rate, since: '2026-01-01T00:00:00Z' };
    },
  } as unknown as ConsumedThing;
  return { thing, calls };
}

const command = (seq: number, over: Partial<CommandBody> = {}): CommandBody => ({
  v: 1,
  id: `cmd-${seq}`,
  pt: 'pt-1',
  dev: 'gw1',
  seq,
  kind: 'changeDose',
  device: 'infusion-pump',
  params: { rate: 10 * seq },
  issuedAt: 0,
  expiresAt: Date.now() + 60_000,
  ...over,
});

describe('the gateway acting on remote commands', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tutela-cmd-unit-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const runner = (cse: M2MClient, thing: ConsumedThing) =>
    new CommandRunner({
      patient: 'pt-1',
      deviceId: 'gw1',
      deviceKey: gw,
      appKey: { kid: 'app-1', publicKey: app.publicKey },
      cse,
      commands: '/cse-in/tutela/pt-1/commands',
      acks: '/cse-in/tutela/pt-1/acks',
      things: () => [thing],
      dir,
      pollMs: 60_000,
      log: silentLogger,
    });
  const put = async (cins: Array<{ rn: string; con: string }>, body: CommandBody, key = gw) =>
    cins.push({
      rn: `c${body.seq}`,
      con: JSON.stringify(await sealCommand(body, 'app-1', key.publicKey, app)),
    });
  const opened = async (con: string) => openAck(parseSealedAck(con), app, gw.publicKey);

  it('acts in sequence order, once, and answers each with a sealed ack', async () => {
    const { cse, cins, acks } = fakeCse();
    const { thing, calls } = fakePump();
    await put(cins, command(2));
    await put(cins, command(1));
    const r = runner(cse, thing);
    expect(await r.poll()).toBe(2);
    expect(calls).toEqual([
      { action: 'setRate', input: { rate: 10 } },
      { action: 'setRate', input: { rate: 20 } },
    ]);
    expect(await Promise.all(acks.map(opened))).toMatchObject([
      { id: 'cmd-1', seq: 1, outcome: 'ok', result: { value: 10 } },
      { id: 'cmd-2', seq: 2, outcome: 'ok', result: { value: 20 } },
    ]);
    // Still in the container (not yet removed by the server): not acted on again.
    expect(await r.poll()).toBe(0);
    expect(calls).toHaveLength(2);
    // The sequence number survives a restart, in a file only the gateway can read.
    expect(statSync(join(dir, 'command-seq.json')).mode & 0o077).toBe(0);
    cins.push({ ...cins[0]!, rn: 'again' });
    expect(await runner(cse, thing).poll()).toBe(0);
    expect(calls).toHaveLength(2);
  });

  it('passes on the Thing’s refusal, and refuses what came too late or is for no Thing here', async () => {
    const { cse, cins, acks } = fakeCse();
    const { thing, calls } = fakePump();
    await put(cins, command(1, { params: { rate: 900 } }));
    await put(cins, command(2, { expiresAt: Date.now() - 1 }));
    await put(cins, command(3, { kind: 'spotCheck', device: 'thermometer', params: {} }));
    expect(await runner(cse, thing).poll()).toBe(3);
    expect(calls).toHaveLength(1);
    expect(await Promise.all(acks.map(opened))).toMatchObject([
      {
        seq: 1,
        outcome: 'refused',
        code: 'bad_request',
        reason: expect.stringMatching(/too high/),
      },
      { seq: 2, outcome: 'refused', code: 'expired' },
      { seq: 3, outcome: 'refused', code: 'unknown_device' },
    ]);
  });

  it('skips another gateway’s command without acting or answering', async () => {
    const other = (await generateKeyPair()).pair;
    const { cse, cins, acks } = fakeCse();
    const { thing, calls } = fakePump();
    await put(cins, command(5, { dev: 'gw2' }), other);
    expect(await runner(cse, thing).poll()).toBe(0);
    expect(calls).toHaveLength(0);
    expect(acks).toHaveLength(0);
  });

  it('keeps an ack it could not deliver and sends it on the next poll, without acting again', async () => {
    const { cse, cins, acks } = fakeCse();
    const { thing, calls } = fakePump();
    await put(cins, command(1));
    const r = runner(cse, thing);
    const first = r.poll();
    // The CSE goes away after the command was fetched: the ack cannot be written.
    (cse as unknown as { createInstance: () => Promise<never> }).createInstance = async () => {
      throw new Error('CSE unreachable');
    };
    expect(await first).toBe(1);
    expect(acks).toHaveLength(0);
    (
      cse as unknown as { createInstance: (p: string, c: string) => Promise<string> }
    ).createInstance = async (_p, con) => {
      acks.push(con);
      return 'created';
    };
    expect(await r.poll()).toBe(0);
    expect(calls).toHaveLength(1);
    expect(await Promise.all(acks.map(opened))).toMatchObject([{ seq: 1, outcome: 'ok' }]);
  });
});
