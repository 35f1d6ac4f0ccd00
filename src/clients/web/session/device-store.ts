import type { DeviceKeyPair } from '../../../crypto/browser/index.js';

/**
 * IndexedDB holds this browser's device key per signed-in person: the
 * CryptoKey objects themselves (structured clone keeps them
 * non-extractable), and the device id the key service gave the public key.
 */
export interface StoredDevice {
  user: string;
  device: string;
  keys: DeviceKeyPair;
  registeredAt: number;
}

const DB = 'tutela';
const STORE = 'device-keys';

function openDb(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE, { keyPath: 'user' });
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB is not available'));
  });
}

async function run<T>(mode: IDBTransactionMode, op: (s: IDBObjectStore) => IDBRequest): Promise<T> {
  const db = await openDb();
  try {
    return await new Promise<T>((resolve, reject) => {
      const req = op(db.transaction(STORE, mode).objectStore(STORE));
      req.onsuccess = () => resolve(req.result as T);
      req.onerror = () => reject(req.error ?? new Error('IndexedDB request failed'));
    });
  } finally {
    db.close();
  }
}

export const deviceStore = {
  get: (user: string) => run<StoredDevice | undefined>('readonly', (s) => s.get(user)),
  put: (d: StoredDevice) => run<unknown>('readwrite', (s) => s.put(d)),
  delete: (user: string) => run<unknown>('readwrite', (s) => s.delete(user)),
};
