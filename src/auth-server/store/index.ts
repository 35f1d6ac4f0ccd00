export { deviceMigrations } from './migrations.js';
export type { DeviceTables } from './tables.js';
export { openAuthDatabase, type AuthTables, type DeviceDb } from './db.js';
