import { generateDeviceKey, publicKeyOf } from '../../../crypto/browser/index.js';
import type { Api } from './api.js';
import { deviceStore, type StoredDevice } from './device-store.js';

/**
 * This browser's device for a person: made on first sign-in (a
 * non-extractable X25519 key pair, DESIGN.md "Keys"), its public key
 * registered with the key service (POST /app/devices), and reused after.
 * `renew` replaces it when the key service no longer knows it.
 */
export async function ensureDevice(api: Api, user: string): Promise<StoredDevice> {
  const saved = await deviceStore.get(user);
  if (saved) return saved;
  return renewDevice(api, user);
}

export async function renewDevice(api: Api, user: string): Promise<StoredDevice> {
  const keys = await generateDeviceKey();
  const { device } = await api<{ device: string }>('POST', '/app/devices', {
    publicKey: await publicKeyOf(keys),
  });
  const stored: StoredDevice = { user, device, keys, registeredAt: Date.now() };
  await deviceStore.put(stored);
  return stored;
}
