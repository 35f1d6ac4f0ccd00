import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../../core/config/index.js';
import { openDatabase, type Database } from '../../core/db/index.js';
import type { Logger } from '../../core/log.js';
import { AccessControl } from './access/acp.js';
import type { AuthenticateOriginator } from './access/originator-auth.js';
import { authenticateUpgrade } from './access/upgrade-auth.js';
import { ensureCseBase } from './bootstrap.js';
import { startExpirySweeper } from './expiry.js';
import { registerHttpBinding } from './http/binding.js';
import { Notifier } from './notify/notifier.js';
import type { CseContext } from './procedures/context.js';
import { WriteQueue } from './procedures/write-queue.js';
import { cseMigrations } from './store/migrations.js';
import type { CseTables } from './store/tables.js';

export { WS_PATH, WS_PROTOCOL } from './notify/ws-hub.js';
export type {
  AuthenticateOriginator,
  ClientCertificate,
  OriginatorAdmitted,
  OriginatorCheck,
  OriginatorRefusal,
} from './access/originator-auth.js';
export { WS_BEARER_PREFIX } from './access/originator-auth.js';
export type { CseTables } from './store/tables.js';
export { cseMigrations } from './store/migrations.js';

export interface CseOptions {
  config: Config['cse'];
  database: Database<CseTables>;
  log: Logger;
  /** URLs where this CSE is reachable, published as the CSEBase's poa. */
  poa?: string[];
  /** Extra CA (PEM) trusted for https notification targets. */
  notifyCa?: string;
  /** Authenticates each request's originator (e.g. device certificates); none: X-M2M-Origin as given. */
  authenticateOriginator?: AuthenticateOriginator;
  now?: () => number;
}

/** The M2M service layer: a oneM2M CSE that stores and routes what it cannot read. */
export class Cse {
  private stopSweeper: (() => void) | undefined;

  private constructor(
    readonly ctx: CseContext,
    private readonly opts: CseOptions,
  ) {}

  static async create(opts: CseOptions): Promise<Cse> {
    const now = opts.now ?? Date.now;
    const c = opts.config;
    const writes = new WriteQueue(opts.database.db, c.groupCommitDelayMs);
    const notifier = new Notifier(opts.database.db, {
      cseId: c.cseId,
      concurrency: c.notify.concurrency,
      perTarget: c.notify.perTarget,
      timeoutMs: c.notify.timeoutMs,
      retryBaseMs: c.notify.retryBaseMs,
      retryMaxMs: c.notify.retryMaxMs,
      giveUpAfterMs: c.notify.giveUpAfterMs,
      retainDeliveredMs: c.notify.retainDeliveredMs,
      scanMs: 250,
      ca: opts.notifyCa,
      now,
      log: opts.log,
      writes,
    });
    const ctx: CseContext = {
      db: opts.database.db,
      cseId: c.cseId,
      rn: c.rn,
      access: new AccessControl(c.adminOriginator),
      notifier,
      writes,
      registrationAllowed: c.registrationAllowed,
      discoveryLimit: c.discoveryLimit,
      authenticateOriginator: opts.authenticateOriginator,
      log: opts.log,
      now,
    };
    await ensureCseBase(ctx, opts.poa ?? []);
    return new Cse(ctx, opts);
  }

  /** Mounts the HTTP binding on `app`. */
  async register(app: FastifyInstance): Promise<void> {
    await registerHttpBinding(app, this.ctx, this.opts.config.maxBodyBytes);
  }

  /**
   * Takes the WebSocket notification channel's upgrades; false for other
   * paths. With an originator hook, the AE named by `?ae=` must prove itself
   * first (its token or device certificate), else HTTP 401.
   */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const hub = this.ctx.notifier.hub;
    const hook = this.ctx.authenticateOriginator;
    if (!hook) return hub.handleUpgrade(req, socket, head);
    return authenticateUpgrade(hook, req, socket, this.ctx.log, (until) =>
      hub.handleUpgrade(req, socket, head, until),
    );
  }

  /** Starts delivering notifications (pending ones from before a restart first) and sweeping expired resources. */
  start(): void {
    this.ctx.notifier.start();
    this.stopSweeper = startExpirySweeper(this.ctx, this.opts.config.expirySweepMs);
  }

  async close(): Promise<void> {
    this.stopSweeper?.();
    await this.ctx.notifier.close();
  }
}

/** Opens (and migrates) the CSE's own database: its SQLite file or PostgreSQL schema. */
export function openCseDatabase(config: Config): Promise<Database<CseTables>> {
  return openDatabase<CseTables>({
    zone: 'cse',
    dataDir: config.dataDir,
    url: config.database.url,
    sqliteSynchronous: config.database.sqliteSynchronous,
    pgSchemaPrefix: config.database.pgSchemaPrefix,
    migrations: cseMigrations,
  });
}
