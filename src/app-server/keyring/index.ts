export { Keyring, type DataKey, type KeyringDatabase, type KeyringOptions } from './keyring.js';
export {
  loadMasterKey,
  masterKeyPath,
  type MasterKey,
  type MasterKeyOptions,
} from './master-key.js';
