export * from './levels.js';
export * from './reading.js';
export * from './envelope.js';
export * from './reading-schema.js';
export * from './command.js';
