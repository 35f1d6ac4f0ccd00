export {
  openDatabase,
  serialType,
  type Database,
  type DatabaseOptions,
  type Dialect,
} from './database.js';
export { dropPostgresSchema } from './postgres.js';
