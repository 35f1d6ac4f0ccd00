import type { FastifyInstance } from 'fastify';
import type Provider from 'oidc-provider';
import type { Config } from '../core/config/index.js';
import type { Database } from '../core/db/index.js';
import type { Logger } from '../core/log.js';
import { createAccessTokenVerifier, type AccessTokenVerifier } from '../core/auth/index.js';
import { AccountStore, DEFAULT_LOCKOUT } from './accounts/accounts.js';
import { PasskeyStore } from './accounts/passkeys.js';
import { registerPasskeyRoutes } from './oidc/passkey-routes.js';
import { ensureDemoAccounts, type DemoAccount, type DemoPerson } from './accounts/demo.js';
import { RateLimiter } from './accounts/rate-limit.js';
import { sweepExpired } from './oidc/adapter.js';
import { registerInteractions } from './oidc/interactions.js';
import { loadOrCreateSecrets, type AuthSecrets } from './oidc/keys.js';
import { mountProvider } from './oidc/mount.js';
import { createProvider } from './oidc/provider.js';
import { oidcDb, openAuthDatabase, type AuthTables } from './store/db.js';

export interface AuthServerOptions {
  config: Config;
  log: Logger;
  /** The demo's people: an account each is made at first start. */
  demoPeople?: readonly DemoPerson[];
  /** Test hook: the clock (ms) of the provider's storage and of lockouts. */
  now?: () => number;
  /** The zone's database when the platform opened it (it stays open on close); absent: opened here. */
  database?: Database<AuthTables>;
}

/**
 * The authorization server's identity part: an OpenID Provider under /oidc,
 * the sign-in pages under /auth/interaction, accounts in the auth zone's
 * database. Routes are registered before the platform listens; the provider
 * is made by start(), once the platform's URL (the issuer's base) is known.
 */
export class AuthServer {
  private mounted: { provider: Provider; handler: ReturnType<Provider['callback']> } | undefined;
  private sweep: NodeJS.Timeout | undefined;
  private url = '';
  demo: { file: string; accounts: Record<string, DemoAccount> } | undefined;
  readonly passkeys: PasskeyStore;
  private cachedVerifier: AccessTokenVerifier | undefined;
  /** False when the platform opened the zone's database and closes it itself. */
  private ownsDatabase = true;

  private constructor(
    readonly database: Database<AuthTables>,
    readonly accounts: AccountStore,
    private readonly secrets: AuthSecrets,
    private readonly o: AuthServerOptions,
  ) {
    this.passkeys = new PasskeyStore(oidcDb(database.db), () => this.url, o.now);
  }

  static async create(app: FastifyInstance, o: AuthServerOptions): Promise<AuthServer> {
    const secrets = await loadOrCreateSecrets(o.config.dataDir);
    const owned = !o.database;
    const database = o.database ?? (await openAuthDatabase(o.config));
    const accounts = new AccountStore(
      oidcDb(database.db),
      secrets.totpKey,
      { ...DEFAULT_LOCKOUT, maxAttempts: o.config.auth.lockoutAttempts },
      o.now,
    );
    const server = new AuthServer(database, accounts, secrets, o);
    server.ownsDatabase = owned;
    const limiter = new RateLimiter(o.config.auth.rateLimitPerMinute, 60_000, o.now);
    try {
      await mountProvider(app, () => server.mounted, limiter);
      const deps = {
        provider: () => server.mounted?.provider,
        accounts,
        limiter,
        audience: () => server.audience,
      };
      await registerInteractions(app, deps);
      await registerPasskeyRoutes(app, {
        ...deps,
        passkeys: server.passkeys,
        verifier: (token) => server.verifier()(token),
      });
    } catch (err) {
      if (owned) await database.close();
      throw err;
    }
    return server;
  }

  get issuer(): string {
    return `${this.url}/oidc`;
  }

  /** The secret of the confidential client tutela-app-server (also in <dataDir>/auth, 0600). */
  get appServerSecret(): string {
    return this.secrets.appServerSecret;
  }

  /** The platform API's resource indicator: the `aud` of every access token. */
  get audience(): string {
    return this.url;
  }

  /** Makes the provider for the platform's URL, and the demo accounts. */
  async start(platformUrl: string): Promise<void> {
    this.url = platformUrl;
    const a = this.o.config.auth;
    const provider = createProvider({
      platformUrl,
      audience: this.audience,
      db: oidcDb(this.database.db),
      accounts: this.accounts,
      secrets: this.secrets,
      accessTokenTtlSec: a.accessTokenTtlSec,
      idleTimeoutSec: a.idleTimeoutSec,
      maxSessionSec: a.maxSessionSec,
      ...(this.o.now ? { now: this.o.now } : {}),
    });
    provider.on('server_error', (_ctx, err) => this.o.log.error({ err }, 'oidc server error'));
    this.mounted = { provider, handler: provider.callback() };
    if (this.o.demoPeople?.length)
      this.demo = await ensureDemoAccounts(
        this.o.config.dataDir,
        this.accounts,
        this.o.demoPeople,
        platformUrl,
      );
    this.sweep = setInterval(() => {
      Promise.all([sweepExpired(oidcDb(this.database.db)), this.accounts.sweepFailures()]).catch(
        (err: unknown) => this.o.log.warn({ err }, 'auth sweep failed'),
      );
    }, 60_000);
    this.sweep.unref();
  }

  /** A verifier holding the provider's public keys, for the zones of this process. */
  verifier(): AccessTokenVerifier {
    if (this.cachedVerifier && this.url) return this.cachedVerifier;
    const publicKeys = this.secrets.jwks.keys.map((k) => {
      // Only the public members of each key leave this class.
      const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...pub } = k;
      return pub;
    });
    this.cachedVerifier = createAccessTokenVerifier({
      issuer: this.issuer,
      audience: this.audience,
      jwks: { keys: publicKeys },
      ...(this.o.now ? { currentDate: () => new Date(this.o.now!()) } : {}),
    });
    return this.cachedVerifier;
  }

  async close(): Promise<void> {
    if (this.sweep) clearInterval(this.sweep);
    this.mounted = undefined;
    if (this.ownsDatabase) await this.database.close();
  }
}
