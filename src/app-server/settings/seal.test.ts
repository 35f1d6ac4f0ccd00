import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { openSettings, sealSettings } from './seal.js';

// One key for every patient: only the AAD tells them apart here. Copies, as the seal zeroes its key.
const key = new Uint8Array(randomBytes(32));
const keyring = {
  dataKey: async () => ({ key: key.slice(), epoch: 3 }),
  dataKeyAt: async () => ({ key: key.slice(), epoch: 3 }),
} as unknown as Parameters<typeof sealSettings>[0] & Parameters<typeof openSettings>[0];

describe('sealed settings', () => {
  it('open to what was sealed, for the same patient only', async () => {
    const json = '{"thresholds":{"spo2":{"below":88}}}';
    const { sealed, epoch } = await sealSettings(keyring, 'pt-1', json);
    expect(epoch).toBe(3);
    expect(sealed).not.toContain('below');
    expect(await openSettings(keyring, { pt: 'pt-1', sealed, epoch })).toBe(json);
    await expect(openSettings(keyring, { pt: 'pt-2', sealed, epoch })).rejects.toThrow();
    // A character in the middle (the last one may hold only padding bits).
    const flipped = sealed.slice(0, 30) + (sealed[30] === 'A' ? 'B' : 'A') + sealed.slice(31);
    await expect(openSettings(keyring, { pt: 'pt-1', sealed: flipped, epoch })).rejects.toThrow();
  });
});
