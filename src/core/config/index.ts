export { ConfigSchema, type Config } from './schema.js';
export { loadConfig } from './load.js';
