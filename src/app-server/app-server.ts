import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../core/config/index.js';
import { openDatabase, type Database } from '../core/db/index.js';
import { Rsc, TutelaError } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import { M2MClient } from '../core/m2m/index.js';
import type { HpkeKeyPair } from '../crypto/hpke.js';
import { loadOrCreateKeyFile } from '../crypto/key-file.js';
import { alertLiveUpgrade } from './api/alert-live.js';
import { appApi } from './api/app-api.js';
import type { Authenticate } from './api/auth.js';
import { NOTIFY_PATH, notifyRoute } from './api/notify-route.js';
import { Access } from './access/access.js';
import { alertOutbound, createAlerts, type Alerts } from './alerts/index.js';
import { AuditLog } from './audit/audit.js';
import { Assessor, type StaleFinding } from './clinical/index.js';
import { CommandDispatch, RemoteCommands } from './commands/index.js';
import { GatewayRegistry } from './devices/gateways.js';
import { Contacts } from './directory/contacts.js';
import { Directory } from './directory/directory.js';
import { EmergencyAccess } from './emergency/break-glass.js';
import { Notices } from './emergency/notices.js';
import { CareEpisodes, EpisodeStore } from './episodes/index.js';
import { Keyring, loadMasterKey } from './keyring/index.js';
import {
  APP_AE,
  patientPaths,
  provisionCommandBoxes,
  provisionPatient,
  setInboxWriters,
} from './layout/patient-layout.js';
import { MonitoringPipeline } from './pipeline/pipeline.js';
import { PolicyEngine } from './policy/index.js';
import { defaultRuleSet, loadRuleSet, type RuleSet } from './privacy/rules.js';
import { PatientSettings, SettingsStore } from './settings/index.js';
import { appMigrations, type AppTables } from './store/index.js';

export interface AppServerOptions {
  config: Config;
  log: Logger;
  /**
   * Who a bearer token on /app belongs to. Default: the interim directory's
   * API tokens; the platform passes the OpenID Connect access-token check
   * once the authorization server signs people in.
   */
  authenticate?: Authenticate;
}

export interface PatientSetup {
  pt: string;
  /** A gateway registered directly (plain-HTTP demo, tests); onboarded ones come through enrolGateway. */
  gateway?: { dev: string; publicKey: Uint8Array } | undefined;
  /** The patient's own user id, made a participant of their episode when it has no patient yet. */
  patient?: string;
  /** Who else joins the episode (user ids), with their role's default AL, unless they ever took part. */
  team: string[];
  spo2Scale?: 1 | 2;
}

/**
 * The e-health application server (DESIGN.md zone 3) in the embedded
 * platform: its own database (zone `app`), the keyring, the monitoring
 * pipeline fed by the CSE, and the caregiver API with the key service.
 * `create` mounts its routes before the platform listens; `connect`, once
 * the CSE answers, registers the application server's AE.
 */
export class AppServer {
  private cse: M2MClient | undefined;
  private pipeline: MonitoringPipeline | undefined;
  private readonly rules: RuleSet;
  private readonly inboxes = new Map<string, string>();
  readonly episodes: CareEpisodes;
  readonly emergency: EmergencyAccess;
  /** Remote commands (issue 5 item 5): the API side and the sealed wire side. */
  readonly commands: RemoteCommands;
  readonly commandDispatch: CommandDispatch;
  /** Each patient's acks container (resource id → patient): its notifications are acks. */
  private readonly ackBoxes = new Map<string, string>();
  private expiry: NodeJS.Timeout | undefined;
  /** The alert lifecycle and its live channel (alerts/, issue 5). */
  readonly alerts: Alerts;
  /** E-mail and webhooks for alerts, when configured (`outbound`). */
  private readonly outbound: ReturnType<typeof alertOutbound>;
  private platformUrl: string | undefined;
  private sweeper: NodeJS.Timeout | undefined;
  private readonly alertUpgrade: ReturnType<typeof alertLiveUpgrade>;
  /** NEWS2 and the per-patient rules; its history is in memory only (issue 5 item 1). */
  readonly assessor = new Assessor();
  readonly settings: SettingsStore;
  readonly contacts: Contacts;
  /** Where stale-data findings go: the alert lifecycle (no reading brings them; issue 5). */
  onStale: (found: StaleFinding[]) => Promise<void> = async (found) => {
    for (const { pt, finding } of found)
      await this.alerts.engine.observe(pt, [finding], [finding.rule]);
  };
  private staleTimer: NodeJS.Timeout | undefined;

  private constructor(
    readonly database: Database<AppTables>,
    readonly keyring: Keyring,
    readonly directory: Directory,
    readonly gateways: GatewayRegistry,
    readonly audit: AuditLog,
    readonly appKey: { kid: string; pair: HpkeKeyPair },
    readonly access: Access,
    private readonly opts: AppServerOptions,
  ) {
    const file = opts.config.app.labelRules;
    this.rules = file ? loadRuleSet(file) : defaultRuleSet();
    this.episodes = new CareEpisodes({
      store: new EpisodeStore(database.db, database.dialect),
      directory,
      keyring,
      audit,
      access,
      cse: () => this.cseClient,
      cseRn: opts.config.cse.rn,
      log: opts.log,
      guests: (pt) => this.emergency.readers(pt),
      raised: (pt) => this.alerts.raisedReaders(pt),
    });
    this.emergency = new EmergencyAccess({
      db: database.db,
      keyring,
      directory,
      access,
      audit,
      patientsOf: (pt) => this.episodes.patientUsers(pt),
      isParticipant: async (pt, user) => !!(await this.episodes.participation(pt, user)),
      refresh: (pt, lost) => this.episodes.refreshAccess(pt, lost),
      openHighAlert: (pt) => this.alerts.engine.hasOpenHigh(pt),
      log: opts.log,
    });
    this.outbound = alertOutbound({
      config: opts.config,
      db: database.db,
      log: opts.log,
      email: (user) => this.contacts.email(user),
      platformUrl: () => this.platformUrl,
      participants: (pt) => this.episodes.participants(pt),
    });
    this.alerts = createAlerts({
      outbound: this.outbound?.outbound,
      db: database.db,
      keyring,
      audit,
      log: opts.log,
      escalationFile: opts.config.app.escalation,
      episodes: () => this.episodes,
      directory,
      access,
      // The CSE's ACPs follow a high alert once connected (before, there is nothing to refresh).
      refreshAccess: (pt) => (this.cse ? this.episodes.refreshAccess(pt) : Promise.resolve()),
    });
    this.alertUpgrade = alertLiveUpgrade({
      authenticate: opts.authenticate ?? ((token) => directory.authenticate(token)),
      live: this.alerts.live,
      log: opts.log,
    });
    this.settings = new SettingsStore({ db: database.db, keyring, log: opts.log });
    this.contacts = new Contacts({ db: database.db, audit });
    this.commandDispatch = new CommandDispatch({
      db: database.db,
      cse: () => this.cseClient,
      cseRn: opts.config.cse.rn,
      appKey,
      gateways,
      keyring,
      audit,
      log: opts.log,
    });
    this.commands = new RemoteCommands({
      db: database.db,
      keyring,
      access,
      audit,
      dispatch: this.commandDispatch,
      participation: (pt, user) => this.episodes.participation(pt, user),
      log: opts.log,
    });
  }

  static async create(app: FastifyInstance, opts: AppServerOptions): Promise<AppServer> {
    const { config } = opts;
    // The policies first: a platform whose policies do not load must not start (policy_invalid).
    const access = new Access(await PolicyEngine.load());
    const database = await openDatabase<AppTables>({
      zone: 'app',
      dataDir: config.dataDir,
      url: config.database.url,
      sqliteSynchronous: config.database.sqliteSynchronous,
      pgSchemaPrefix: config.database.pgSchemaPrefix,
      migrations: appMigrations,
    });
    try {
      const master = await loadMasterKey({
        dataDir: config.dataDir,
        ...(config.app.masterKey ? { fromEnv: config.app.masterKey } : {}),
      });
      const keyring = await Keyring.open(database, master.key);
      master.key.fill(0);
      const pair = await loadOrCreateKeyFile(join(config.dataDir, 'keys', 'app-hpke.key'));
      const kid = `app-${createHash('sha256').update(pair.publicRaw).digest('base64url').slice(0, 16)}`;
      const server = new AppServer(
        database,
        keyring,
        new Directory(database.db),
        new GatewayRegistry(database.db),
        new AuditLog(database.db),
        { kid, pair },
        access,
        opts,
      );
      server.mount(app);
      return server;
    } catch (err) {
      await database.close();
      throw err;
    }
  }

  /** The application server's client of the CSE (available after connect). */
  get cseClient(): M2MClient {
    if (!this.cse) throw new Error('AppServer.connect() has not run');
    return this.cse;
  }

  private mount(app: FastifyInstance): void {
    const { config, log } = this.opts;
    // Open live alert channels would keep the HTTP server from closing: they end first, and an
    // upgrade still being authenticated then is answered 503 rather than attached to no one.
    app.addHook('preClose', (done) => {
      this.alerts.live.close();
      this.alertUpgrade.close();
      done();
    });
    void app.register(notifyRoute, {
      process: async (pt: string, con: unknown, rn?: string, parent?: string) => {
        if (parent !== undefined && this.ackBoxes.has(parent))
          return this.commandDispatch.receiveAck(pt, con, rn);
        // Answered once the reading is assessed and queued: it waits in the inbox until published.
        return this.requirePipeline().receive(pt, con, rn).acknowledged;
      },
      patientOfInbox: (ri: string) => this.inboxes.get(ri) ?? this.ackBoxes.get(ri),
      log,
    });
    void app.register(appApi, {
      prefix: '/app',
      authenticate: this.opts.authenticate ?? ((token) => this.directory.authenticate(token)),
      caregiver: {
        directory: this.directory,
        episodes: this.episodes,
        access: this.access,
        emergency: this.emergency,
        keys: this.keyring,
        audit: this.audit,
        cse: () => this.cseClient,
        cseRn: config.cse.rn,
        alerts: this.alerts.engine,
      },
      episodes: { episodes: this.episodes },
      contacts: { contacts: this.contacts },
      settings: {
        settings: new PatientSettings({
          store: this.settings,
          participation: (pt, user) => this.episodes.participation(pt, user),
          access: this.access,
          audit: this.audit,
        }),
      },
      commands: { commands: this.commands },
      emergency: {
        emergency: this.emergency,
        notices: new Notices({
          db: this.database.db,
          keyring: this.keyring,
          directory: this.directory,
          log,
        }),
      },
      alerts: { ...this.alerts, episodes: this.episodes, audit: this.audit },
    });
  }

  /** The live alert channel's WebSocket upgrade (/app/alerts/live); false for other paths. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    return this.alertUpgrade(req, socket, head);
  }

  private requirePipeline(): MonitoringPipeline {
    if (!this.pipeline) throw new Error('AppServer.connect() has not run');
    return this.pipeline;
  }

  /** Registers the application server's AE (notifications to `${url}/notify/app`) and loads its patients. */
  async connect(
    platformUrl: string,
    ca?: string,
    /** Its access token for the CSE (client credentials of tutela-app-server, kept fresh). */
    accessToken?: () => Promise<string>,
  ): Promise<void> {
    const { config, log } = this.opts;
    this.platformUrl = platformUrl;
    this.cse = new M2MClient({ baseUrl: platformUrl, origin: APP_AE.origin, ca, accessToken });
    await this.cse.registerAe(`/${config.cse.rn}`, APP_AE.rn, [`${platformUrl}${NOTIFY_PATH}`]);
    this.pipeline = new MonitoringPipeline({
      db: this.database.db,
      cse: this.cse,
      cseRn: config.cse.rn,
      appKey: this.appKey,
      gateways: this.gateways,
      keyring: this.keyring,
      rules: this.rules,
      audit: this.audit,
      log,
      assessor: this.assessor,
      settingsOf: (pt) => this.settings.get(pt),
      // A failure here is logged: the reading is still published, and the next one brings the finding again.
      observe: (pt, findings, assessed) =>
        this.alerts.engine
          .observe(pt, findings, assessed)
          .catch((err: unknown) => log.error({ err, pt }, 'alerts not updated')),
    });
    for (const p of await this.database.db
      .selectFrom('patients')
      .select(['pt', 'inbox_ri'])
      .execute()) {
      if (p.inbox_ri) {
        this.inboxes.set(p.inbox_ri, p.pt);
        // Readings answered but not published before the last stop come first (chained at once).
        void this.pipeline.sweep(p.pt).then((found) => {
          if (found > 0) log.info({ pt: p.pt, found }, 'picked up readings waiting in the inbox');
        });
      }
      // Silence is measured from now: the arrival times died with the last process.
      this.assessor.watch(p.pt);
    }
    for (const b of await this.database.db.selectFrom('command_boxes').selectAll().execute())
      this.ackBoxes.set(b.acks_ri, b.pt);
    // Removals a crash or an absent CSE left half-done are finished before anything else.
    const resumed = await this.episodes.resumePending();
    if (resumed > 0) log.warn({ resumed }, 'finished pending revocations');
    // Emergency grants end on time even if nobody asks (checked every 15 s, and now).
    const expire = () =>
      this.emergency
        .expireDue()
        .catch((err: unknown) => log.error({ err }, 'emergency grants not expired'));
    const expireCommands = () =>
      this.commands
        .expireDue()
        .catch((err: unknown) => log.error({ err }, 'remote commands not expired'));
    await expire();
    await expireCommands();
    this.expiry = setInterval(() => {
      void expire();
      void expireCommands();
    }, 15_000).unref();
    // Stale data has no reading to trigger it: looked for every 30 s.
    this.staleTimer = setInterval(() => {
      const found = this.assessor.checkStale();
      if (found.length > 0)
        this.onStale(found).catch((err: unknown) => log.error({ err }, 'stale data not handled'));
    }, 30_000).unref();
    // Escalation deadlines are stored (next_escalation_at): a restart escalates what fell due.
    const sweep = () =>
      this.alerts.engine
        .sweep()
        .catch((err: unknown) => log.error({ err }, 'alert escalations not swept'))
        // E-mails and webhooks a restart left queued, retries whose wait is over, the daily digest.
        .then(() => this.outbound?.outbound.sweep())
        .then(() => this.outbound?.digest?.run())
        .catch((err: unknown) => log.error({ err }, 'alert digest not sent'));
    await sweep();
    this.sweeper = setInterval(() => void sweep(), 15_000).unref();
  }

  /** Brings a patient under monitoring: their gateway, care episode and CSE containers (idempotent). */
  provision(p: PatientSetup): Promise<void> {
    return this.episodes.locked(p.pt, () => this.provisionLocked(p));
  }

  private async provisionLocked(p: PatientSetup): Promise<void> {
    const db = this.database.db;
    await db
      .insertInto('patients')
      .values({ pt: p.pt, spo2_scale: p.spo2Scale ?? 1, inbox_ri: null, created_at: Date.now() })
      .onConflict((oc) => oc.column('pt').doNothing())
      .execute();
    // The patient's keys exist from the start (currentEpoch makes them on first use).
    await this.keyring.currentEpoch(p.pt);
    if (p.gateway) await this.gateways.register(p.gateway.dev, p.pt, p.gateway.publicKey);
    await this.episodes.open(p.pt, { patient: p.patient, team: p.team });
    this.assessor.watch(p.pt);
    const inboxRi = await provisionPatient(
      this.cseClient,
      this.opts.config.cse.rn,
      p.pt,
      await this.gateways.activeFor(p.pt),
      await this.episodes.readers(p.pt),
    );
    await db.updateTable('patients').set({ inbox_ri: inboxRi }).where('pt', '=', p.pt).execute();
    this.inboxes.set(inboxRi, p.pt);
    const acksRi = await provisionCommandBoxes(
      this.cseClient,
      this.opts.config.cse.rn,
      p.pt,
      await this.gateways.activeFor(p.pt),
    );
    await db
      .insertInto('command_boxes')
      .values({ pt: p.pt, acks_ri: acksRi })
      .onConflict((oc) => oc.column('pt').doUpdateSet({ acks_ri: acksRi }))
      .execute();
    this.ackBoxes.set(acksRi, p.pt);
  }

  /**
   * Enrols an onboarded gateway (device onboarding, authorization server):
   * its HPKE key for the patient, and a place among the inbox's writers.
   */
  async enrolGateway(dev: string, pt: string, publicKey: Uint8Array): Promise<{ inbox: string }> {
    const patient = await this.database.db
      .selectFrom('patients')
      .select('pt')
      .where('pt', '=', pt)
      .executeTakeFirst();
    if (!patient)
      throw new TutelaError('unknown_patient', Rsc.NOT_FOUND, `no patient ${pt} is monitored`);
    await this.gateways.register(dev, pt, publicKey);
    await setInboxWriters(
      this.cseClient,
      this.opts.config.cse.rn,
      pt,
      await this.gateways.activeFor(pt),
    );
    await this.audit.record({ actor: dev, action: 'device_enrolled', pt, outcome: 'ok' });
    return { inbox: patientPaths(this.opts.config.cse.rn, pt).inbox };
  }

  /**
   * Stops accepting a revoked gateway's readings (refused as
   * `revoked_device`) and takes it off the inbox's writers.
   */
  async revokeGateway(dev: string, by: string): Promise<void> {
    const row = await this.database.db
      .selectFrom('gateways')
      .select('pt')
      .where('dev', '=', dev)
      .executeTakeFirst();
    await this.gateways.revoke(dev);
    await this.audit.record({
      actor: by,
      action: 'device_revoked',
      ...(row ? { pt: row.pt } : {}),
      outcome: 'ok',
      detail: `revoked_device: ${dev}`,
    });
    // The CSE already refuses the device (its certificate is checked per request) and the
    // pipeline its readings; the ACP follows, and a failure here is only logged.
    if (row)
      await setInboxWriters(
        this.cseClient,
        this.opts.config.cse.rn,
        row.pt,
        await this.gateways.activeFor(row.pt),
      ).catch((err: unknown) =>
        this.opts.log.warn({ err, dev }, 'inbox ACP not updated after revocation'),
      );
  }

  /** Closes its CSE client and database; a second call does nothing. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      clearInterval(this.expiry);
      clearInterval(this.sweeper);
      this.alerts.live.close();
      this.alertUpgrade.close();
      clearInterval(this.staleTimer);
      await this.pipeline?.close();
      await this.outbound?.outbound.idle();
      this.outbound?.close();
      await this.cse?.close();
      await this.database.close();
    })();
    return this.closing;
  }

  private closing: Promise<void> | undefined;
}
