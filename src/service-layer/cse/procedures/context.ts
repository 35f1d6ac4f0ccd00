import type { Logger } from '../../../core/log.js';
import type { AccessControl } from '../access/acp.js';
import type { AuthenticateOriginator } from '../access/originator-auth.js';
import type { CseDb } from '../store/resource-store.js';
import type { Notifier } from '../notify/notifier.js';
import type { WriteQueue } from './write-queue.js';

/** Everything a procedure needs, built once per CSE. */
export interface CseContext {
  db: CseDb;
  cseId: string;
  /** CSEBase resource name: first segment of every structured address. */
  rn: string;
  access: AccessControl;
  notifier: Notifier;
  /** Every write goes through it: group commit. */
  writes: WriteQueue;
  registrationAllowed: string[];
  discoveryLimit: number;
  /** Authenticates each request's originator before it runs (optional; see originator-auth.ts). */
  authenticateOriginator?: AuthenticateOriginator | undefined;
  log: Logger;
  now: () => number;
}
