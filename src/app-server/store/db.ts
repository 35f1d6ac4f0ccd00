import type { Kysely } from 'kysely';
import type { AlertTables } from './alert-tables.js';
import type { CommandTables } from './command-tables.js';
import type { ContactTables } from './contact-tables.js';
import type { EmergencyTables } from './emergency-tables.js';
import type { EpisodeTables } from './episode-tables.js';
import type { PipelineTables } from './pipeline-tables.js';
import type { SettingsTables } from './settings-tables.js';
import type { KeyringTables } from './tables.js';

/** Every table of the application server's zone. */
export type AppTables = KeyringTables &
  PipelineTables &
  EpisodeTables &
  EmergencyTables &
  SettingsTables &
  CommandTables &
  ContactTables &
  AlertTables;
export type AppDb = Kysely<AppTables>;
