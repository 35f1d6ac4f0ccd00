export { deviceMigrations } from './migrations.js';
export type { DeviceTables } from './tables.js';
export {
  authMigrations,
  deviceDb,
  openAuthDatabase,
  type AuthTables,
  type DeviceDb,
} from './db.js';
