import { describe, expect, it } from 'vitest';
import { commandAad, COMMAND_INFO, type CommandBody } from '../protocol/command.js';
import { openAck, openCommand, parseSealedCommand, sealAck, sealCommand } from './command-seal.js';
import { generateKeyPair, sealAuth, sealReading } from './hpke.js';

const app = (await generateKeyPair()).pair;
const gw1 = (await generateKeyPair()).pair;
const gw2 = (await generateKeyPair()).pair;

const body = (over: Partial<CommandBody> = {}): CommandBody => ({
  v: 1,
  id: 'cmd-1',
  pt: 'pt-1',
  dev: 'gw1',
  seq: 7,
  kind: 'changeDose',
  device: 'infusion-pump',
  params: { rate: 42 },
  issuedAt: 1_000,
  expiresAt: 2_000,
  ...over,
});

/** Flips one character of a base64url string (the last one's low bits may be padding: use the first). */
const flip = (s: string, i = 0) => s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);

describe('commands sealed to one gateway', () => {
  it('opens for the gateway it was sealed to, from the application server key', async () => {
    const sealed = await sealCommand(body(), 'app-1', gw1.publicKey, app);
    expect(sealed).toMatchObject({
      typ: 'tutela.command',
      pt: 'pt-1',
      dev: 'gw1',
      id: 'cmd-1',
      seq: 7,
    });
    // Nothing of the command travels in clear.
    expect(JSON.stringify(sealed)).not.toMatch(/rate|infusion|changeDose/);
    expect(await openCommand(sealed, gw1, app.publicKey)).toEqual(body());
    expect(parseSealedCommand(JSON.stringify(sealed))).toEqual(sealed);
  });

  it('refuses any byte changed: ciphertext, encapsulated key, or any header', async () => {
    const sealed = await sealCommand(body(), 'app-1', gw1.publicKey, app);
    const variants = [
      { ...sealed, ct: flip(sealed.ct) },
      { ...sealed, ct: flip(sealed.ct, 20) },
      { ...sealed, enc: flip(sealed.enc) },
      { ...sealed, seq: 8 },
      { ...sealed, id: 'cmd-2' },
      { ...sealed, pt: 'pt-2' },
      { ...sealed, dev: 'gw2' },
      { ...sealed, kid: 'app-2' },
    ];
    for (const v of variants)
      await expect(openCommand(v, gw1, app.publicKey)).rejects.toMatchObject({
        code: 'hpke_open_failed',
      });
  });

  it('refuses a command sealed to another gateway, or by another key than the application server', async () => {
    const toOther = await sealCommand(body({ dev: 'gw2' }), 'app-1', gw2.publicKey, app);
    await expect(openCommand(toOther, gw1, app.publicKey)).rejects.toMatchObject({
      code: 'hpke_open_failed',
    });
    // Someone holding a gateway key (not the application server's) cannot forge a command.
    const forged = await sealCommand(body(), 'app-1', gw1.publicKey, gw2);
    await expect(openCommand(forged, gw1, app.publicKey)).rejects.toMatchObject({
      code: 'hpke_open_failed',
    });
  });

  it('refuses a body that disagrees with its headers', async () => {
    // Sealed by the application server's key, but the body names seq 9 under a header of seq 7.
    const header = { pt: 'pt-1', dev: 'gw1', id: 'cmd-1', seq: 7, kid: 'app-1' };
    const { enc, ct } = await sealAuth(
      COMMAND_INFO.command,
      new TextEncoder().encode(JSON.stringify(body({ seq: 9 }))),
      commandAad(header),
      gw1.publicKey,
      app,
    );
    await expect(
      openCommand({ v: 1, typ: 'tutela.command', ...header, enc, ct }, gw1, app.publicKey),
    ).rejects.toMatchObject({ code: 'hpke_open_failed' });
  });

  it('cannot be opened as a reading, nor a reading as a command (separate HPKE info)', async () => {
    const reading = await sealReading(
      new TextEncoder().encode(JSON.stringify(body())),
      { pt: 'pt-1', dev: 'gw1', seq: 7, kid: 'app-1' },
      gw1.publicKey,
      app,
    );
    await expect(
      openCommand({ ...reading, typ: 'tutela.command', id: 'cmd-1' } as never, gw1, app.publicKey),
    ).rejects.toMatchObject({ code: 'hpke_open_failed' });
  });
});

describe('acks sealed back to the application server', () => {
  it('opens with the gateway key that sealed it, and nothing else', async () => {
    const ack = {
      v: 1 as const,
      id: 'cmd-1',
      seq: 7,
      outcome: 'ok' as const,
      result: { value: 42 },
      at: 5,
    };
    const sealed = await sealAck(ack, { pt: 'pt-1', dev: 'gw1', kid: 'app-1' }, app.publicKey, gw1);
    // Not the clear ack: no trace of its field names ('42' alone turns up in base64url by chance).
    expect(JSON.stringify(sealed)).not.toMatch(/value|result|outcome/);
    expect(await openAck(sealed, app, gw1.publicKey)).toEqual(ack);
    await expect(openAck(sealed, app, gw2.publicKey)).rejects.toMatchObject({
      code: 'hpke_open_failed',
    });
    await expect(openAck({ ...sealed, seq: 8 }, app, gw1.publicKey)).rejects.toMatchObject({
      code: 'hpke_open_failed',
    });
    await expect(
      openAck({ ...sealed, ct: flip(sealed.ct, 10) }, app, gw1.publicKey),
    ).rejects.toMatchObject({ code: 'hpke_open_failed' });
  });
});
