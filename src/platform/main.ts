import { relative } from 'node:path';
import { loadConfig } from '../core/config/index.js';
import { createLogger } from '../core/log.js';
import { TutelaError } from '../core/errors.js';
import { startPlatform } from './server.js';

/** `npm start`: the embedded platform, and how to reach it. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    console.error(err instanceof TutelaError ? err.message : err);
    process.exit(2);
  }
  const log = createLogger(config.logLevel);
  const platform = await startPlatform(config, log);
  const rel = (p: string) =>
    relative(process.cwd(), p).startsWith('..') ? p : relative(process.cwd(), p);
  const cse = `${platform.url}/${config.cse.rn}`;
  const cacert = platform.caFile ? ` --cacert ${rel(platform.caFile)}` : '';
  const wsUrl = platform.url.replace(/^http/, 'ws');
  console.log(`
Tutela is running (embedded mode).

  Service layer (oneM2M CSE ${config.cse.cseId}):  ${cse}
  Notifications (WebSocket, oneM2M.json):  ${wsUrl}/ws?ae=<your AE-ID>
  Health:                                  ${platform.url}/healthz
  Storage:                                 ${platform.databaseLocation}
${platform.caFile ? `  TLS: trust the local CA                  ${rel(platform.caFile)}\n` : '  TLS: OFF (only behind a TLS-terminating proxy)\n'}
Register an application and read the CSE:
  curl${cacert} -X POST ${cse} \\
    -H 'X-M2M-Origin: Cdemo' -H 'X-M2M-RI: 1' -H 'X-M2M-RVI: 3' \\
    -H 'Content-Type: application/json;ty=2' \\
    -d '{"m2m:ae": {"rn": "demo", "api": "Ndemo", "rr": false, "srv": ["3"]}}'
  curl${cacert} ${cse}/demo -H 'X-M2M-Origin: Cdemo' -H 'X-M2M-RI: 2' -H 'X-M2M-RVI: 3'

Stop with Ctrl+C.`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping');
    platform.close().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err: unknown) => {
  console.error('Tutela failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
