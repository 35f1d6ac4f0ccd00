import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

/**
 * One logger for the platform. Request and response bodies are never logged:
 * they may hold sealed health data, and error messages are written so that
 * they never quote a body either.
 */
export function createLogger(
  level: string = process.env.TUTELA_LOG_LEVEL ?? 'info',
  destination?: DestinationStream,
): Logger {
  const options = {
    level,
    base: { app: 'tutela' },
    redact: { paths: ['req.headers.authorization', 'body', 'con', '*.con'], remove: true },
  };
  return destination ? pino(options, destination) : pino(options);
}

/** A logger that drops everything, for tests and benchmarks. */
export const silentLogger: Logger = pino({ level: 'silent' });
