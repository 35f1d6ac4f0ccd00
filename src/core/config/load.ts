import { readFileSync, existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { ConfigSchema, type Config } from './schema.js';
import { TutelaError, Rsc } from '../errors.js';

type Env = Record<string, string | undefined>;

/** On/off variables: anything but 0, false, off or no is on. */
const flag = (v: string) => !['0', 'false', 'off', 'no'].includes(v.toLowerCase());

/** Environment variables and where they land in the config. */
const ENV_MAP: Array<[string, string[], (v: string) => unknown]> = [
  ['TUTELA_DATA_DIR', ['dataDir'], String],
  ['TUTELA_HOST', ['host'], String],
  ['TUTELA_PORT', ['port'], Number],
  ['TUTELA_LOG_LEVEL', ['logLevel'], String],
  ['TUTELA_TLS', ['tls', 'enabled'], flag],
  ['TUTELA_TLS_CERT', ['tls', 'certFile'], String],
  ['TUTELA_TLS_KEY', ['tls', 'keyFile'], String],
  ['DATABASE_URL', ['database', 'url'], String],
  ['TUTELA_SQLITE_SYNCHRONOUS', ['database', 'sqliteSynchronous'], (v) => v.toUpperCase()],
  ['TUTELA_CSE_ID', ['cse', 'cseId'], String],
  ['TUTELA_CSE_RN', ['cse', 'rn'], String],
  ['TUTELA_CSE_ADMIN', ['cse', 'adminOriginator'], String],
  ['TUTELA_APP', ['app', 'enabled'], flag],
  ['TUTELA_MASTER_KEY', ['app', 'masterKey'], String],
  ['TUTELA_LABEL_RULES', ['app', 'labelRules'], String],
  ['TUTELA_ESCALATION', ['app', 'escalation'], String],
  ['TUTELA_DEMO', ['demo', 'enabled'], flag],
  ['TUTELA_DEMO_PATIENTS', ['demo', 'patients'], Number],
];

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    if (typeof node[key] !== 'object' || node[key] === null) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1]!] = value;
}

/**
 * Loads the configuration: defaults, then the JSON file (TUTELA_CONFIG, or
 * ./tutela.config.json when present), then environment variables, then
 * `overrides` (used by tests). Invalid configuration fails with every problem
 * named, before anything starts.
 */
export function loadConfig(env: Env = process.env, overrides: object = {}): Config {
  const file =
    env.TUTELA_CONFIG ?? (existsSync('tutela.config.json') ? 'tutela.config.json' : undefined);
  let raw: Record<string, unknown> = {};
  if (file) {
    try {
      raw = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    } catch (err) {
      throw new TutelaError(
        'config_invalid',
        Rsc.INTERNAL_SERVER_ERROR,
        `cannot read config file ${file}: ${(err as Error).message}`,
      );
    }
  }
  for (const [name, path, convert] of ENV_MAP) {
    const v = env[name];
    if (v !== undefined && v !== '') setPath(raw, path, convert(v));
  }
  raw = deepMerge(raw, overrides as Record<string, unknown>);
  const withDefaults = Value.Default(ConfigSchema, Value.Clone(raw));
  const problems = [...Value.Errors(ConfigSchema, withDefaults)].map(
    (e) => `${e.path || '/'}: ${e.message}`,
  );
  if (problems.length > 0) {
    throw new TutelaError(
      'config_invalid',
      Rsc.INTERNAL_SERVER_ERROR,
      `invalid configuration:\n  ${problems.join('\n  ')}`,
    );
  }
  const config = withDefaults as Config;
  return { ...config, dataDir: resolve(config.dataDir) };
}

function deepMerge(
  a: Record<string, unknown>,
  b: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    out[k] =
      v &&
      typeof v === 'object' &&
      !Array.isArray(v) &&
      prev &&
      typeof prev === 'object' &&
      !Array.isArray(prev)
        ? deepMerge(prev as Record<string, unknown>, v as Record<string, unknown>)
        : v;
  }
  return out;
}
