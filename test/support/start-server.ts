/**
 * The platform in a child process, for integration tests that need to kill it
 * (kill -9) or restart it on the same data. Run with
 * `node --import tsx test/support/start-server.ts`; test/support/child-server.ts
 * does that for you.
 *
 * Configuration comes from the environment as for `npm start` (TUTELA_DATA_DIR,
 * DATABASE_URL, TUTELA_…), with plain HTTP on a free port and no logging, plus
 * test-only variables for settings that have no environment variable:
 *
 * - TUTELA_TEST_PG_PREFIX: database.pgSchemaPrefix (the CSE uses schema `<prefix>_cse`)
 * - TUTELA_TEST_NOTIFY_RETRY_MS: cse.notify.retryBaseMs; retryMaxMs becomes 5× that
 * - TUTELA_TEST_OVERRIDES: a JSON object deep-merged into the configuration last
 *
 * `cse.requireTokens` is off unless TUTELA_TEST_OVERRIDES turns it on.
 *
 * Prints one line `{"url": "http://127.0.0.1:<port>", "pid": <pid>}` on stdout
 * once listening. SIGTERM / SIGINT close it cleanly; it also exits when its
 * stdin (a pipe from the parent) closes, so a crashed test run leaves no server behind.
 */
import { loadConfig } from '../../src/core/config/index.js';
import { silentLogger } from '../../src/core/log.js';
import { startPlatform, type Platform } from '../../src/platform/server.js';

type Overrides = Record<string, unknown>;

function isObject(v: unknown): v is Overrides {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function merge(a: Overrides, b: Overrides): Overrides {
  const out: Overrides = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    out[k] = isObject(v) && isObject(prev) ? merge(prev, v) : v;
  }
  return out;
}

function overridesFrom(env: NodeJS.ProcessEnv): Overrides {
  // As test/support/platform.ts: the CSE takes X-M2M-Origin as given unless a test asks for tokens.
  let overrides: Overrides = {
    logLevel: 'silent',
    tls: { enabled: false },
    cse: { requireTokens: false },
  };
  if (!env.TUTELA_PORT) overrides.port = 0;
  if (env.TUTELA_TEST_PG_PREFIX) {
    overrides = merge(overrides, { database: { pgSchemaPrefix: env.TUTELA_TEST_PG_PREFIX } });
  }
  if (env.TUTELA_TEST_NOTIFY_RETRY_MS) {
    const base = Number(env.TUTELA_TEST_NOTIFY_RETRY_MS);
    overrides = merge(overrides, {
      cse: { notify: { retryBaseMs: base, retryMaxMs: base * 5 } },
    });
  }
  if (env.TUTELA_TEST_OVERRIDES) {
    const extra: unknown = JSON.parse(env.TUTELA_TEST_OVERRIDES);
    if (!isObject(extra)) throw new TypeError('TUTELA_TEST_OVERRIDES must be a JSON object');
    overrides = merge(overrides, extra);
  }
  return overrides;
}

async function main(): Promise<void> {
  const config = loadConfig(process.env, overridesFrom(process.env));
  const platform: Platform = await startPlatform(config, silentLogger);

  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    platform.close().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error('start-server: shutdown failed:', err);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  if (!process.stdin.isTTY) {
    process.stdin.on('end', stop);
    process.stdin.on('error', stop);
    process.stdin.resume();
  }

  process.stdout.write(`${JSON.stringify({ url: platform.url, pid: process.pid })}\n`);
}

main().catch((err: unknown) => {
  console.error('start-server: failed to start:', err instanceof Error ? err.stack : err);
  process.exit(1);
});
