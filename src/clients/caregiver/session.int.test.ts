import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../../../test/support/platform.js';
import { CaregiverSession } from './session.js';

const until = async (cond: () => boolean) => {
  while (!cond()) await new Promise((r) => setTimeout(r, 5));
};

/**
 * A session whose notification channel dropped reconnects after a pause;
 * closed meanwhile, it must not: that channel would reach a platform that
 * may be closing, and no one would close it.
 */
describe('a closed caregiver session', () => {
  let platform: TestPlatform;
  let dir: string;
  let token: string;
  /** The server's side of every notification channel opened, in order. */
  const channels: Duplex[] = [];

  beforeAll(async () => {
    platform = await startTestPlatform({ name: 'sqlite' }, { app: { enabled: true } });
    token = await platform.appServer!.directory.addUser('doc', 'doctor');
    dir = mkdtempSync(join(tmpdir(), 'tutela-session-'));
    platform.app.server.on('upgrade', (_req, socket: Duplex) => void channels.push(socket));
  });
  afterAll(async () => {
    await platform.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A listening session whose channel the server has just cut. */
  async function cutSession(tokenOf: () => Promise<string>) {
    const session = new CaregiverSession({ baseUrl: platform.url, token: tokenOf, stateDir: dir });
    await session.start();
    const before = channels.length;
    const problems: string[] = [];
    await session.listen(
      () => undefined,
      (m) => problems.push(m),
    );
    expect(channels.length).toBe(before + 1);
    channels[before]!.destroy();
    await until(() => problems.some((m) => m.includes('reconnecting in 0.5 s')));
    return { session, opened: () => channels.length - before };
  }

  it('cancels the reconnection it had scheduled: no token asked for, no channel', async () => {
    let asked = 0;
    const { session, opened } = await cutSession(async () => {
      asked++;
      return token;
    });
    await session.close();
    const atClose = asked;
    await new Promise((r) => setTimeout(r, 1_000));
    expect(asked).toBe(atClose);
    expect(opened()).toBe(1);
  });

  it('does not open the channel it was asking a token for when it was closed', async () => {
    let hold = false;
    let asked = false;
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const { session, opened } = await cutSession(async () => {
      if (hold) {
        asked = true;
        await held;
      }
      return token;
    });
    // The reconnection (0.5 s after the cut) waits for its token.
    hold = true;
    await until(() => asked);
    await session.close();
    release();
    await new Promise((r) => setTimeout(r, 300));
    expect(opened()).toBe(1);
  });
});
