export { appMigrations } from './migrations.js';
export type { DataKeysTable, KeyringTables, PatientKeysTable } from './tables.js';
export type { AppDb, AppTables } from './db.js';
export type { PipelineTables } from './pipeline-tables.js';
export type { EpisodeTables } from './episode-tables.js';
export type { EmergencyTables } from './emergency-tables.js';
export type { SettingsTables } from './settings-tables.js';
export type { CommandTables } from './command-tables.js';
export type { AlertTables } from './alert-tables.js';
