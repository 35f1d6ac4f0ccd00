export { deviceMigrations } from './migrations.js';
export type { DeviceTables } from './tables.js';
export { deviceDb, openAuthDatabase, type AuthTables, type DeviceDb } from './db.js';
