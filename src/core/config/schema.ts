import { Type, type Static } from '@sinclair/typebox';

/**
 * The platform's configuration. Defaults are the embedded mode: one process,
 * SQLite in the data directory, HTTPS on 127.0.0.1:8443 with a local CA.
 */
export const ConfigSchema = Type.Object(
  {
    dataDir: Type.String({ minLength: 1, default: './.tutela' }),
    host: Type.String({ minLength: 1, default: '127.0.0.1' }),
    port: Type.Integer({ minimum: 0, maximum: 65535, default: 8443 }),
    logLevel: Type.Union(
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
      { default: 'info' },
    ),
    tls: Type.Object(
      {
        // Turn off only behind a TLS-terminating proxy.
        enabled: Type.Boolean({ default: true }),
        certFile: Type.Optional(Type.String()),
        keyFile: Type.Optional(Type.String()),
      },
      { default: {} },
    ),
    database: Type.Object(
      {
        // postgres://… selects PostgreSQL; absent means SQLite in dataDir.
        url: Type.Optional(Type.String({ pattern: '^postgres(ql)?://' })),
        // NORMAL: an acknowledged write survives a process crash (kill -9);
        // FULL: it also survives power loss, at the cost of an fsync per commit.
        sqliteSynchronous: Type.Union([Type.Literal('NORMAL'), Type.Literal('FULL')], {
          default: 'NORMAL',
        }),
        // Prefix of the PostgreSQL schema each zone gets (e.g. tutela_cse).
        pgSchemaPrefix: Type.String({ pattern: '^[a-z_][a-z0-9_]*$', default: 'tutela' }),
      },
      { default: {} },
    ),
    cse: Type.Object(
      {
        // TS-0001 §7.2: CSE-ID starts with '/', the CSEBase resource name is free.
        cseId: Type.String({ pattern: '^/[A-Za-z0-9._-]+$', default: '/id-in' }),
        rn: Type.String({ pattern: '^[A-Za-z0-9._-]+$', default: 'cse-in' }),
        // Originator with full access to every resource; none unless configured.
        adminOriginator: Type.Optional(Type.String({ minLength: 1 })),
        // Originators allowed to register an AE (trailing * is a wildcard).
        registrationAllowed: Type.Array(Type.String({ minLength: 1 }), {
          default: ['C*', 'S*'],
        }),
        // Every request of a person's client or the application server carries an access token
        // of the platform's OpenID provider whose subject is its originator (docs/cse.md,
        // Authentication). Effective only while the authorization server runs (auth.enabled).
        requireTokens: Type.Boolean({ default: true }),
        maxBodyBytes: Type.Integer({ minimum: 1024, default: 1_048_576 }),
        discoveryLimit: Type.Integer({ minimum: 1, default: 1000 }),
        // While writes keep coming, a commit waits this long to take more of them along
        // (0 turns it off); an idle CSE commits at once. See docs/benchmarks.md.
        groupCommitDelayMs: Type.Number({ minimum: 0, maximum: 50, default: 2 }),
        expirySweepMs: Type.Integer({ minimum: 50, default: 1000 }),
        notify: Type.Object(
          {
            concurrency: Type.Integer({ minimum: 1, default: 256 }),
            // In flight to one target at once. The application server's AE takes every reading
            // through here, and it puts urgent ones first only among those it has been given.
            perTarget: Type.Integer({ minimum: 1, default: 64 }),
            timeoutMs: Type.Integer({ minimum: 100, default: 5000 }),
            retryBaseMs: Type.Integer({ minimum: 10, default: 500 }),
            retryMaxMs: Type.Integer({ minimum: 10, default: 60_000 }),
            // A notification nobody could take for this long is marked failed.
            giveUpAfterMs: Type.Integer({ minimum: 1000, default: 7 * 24 * 3600_000 }),
            // Delivered notifications stay replayable for this long.
            retainDeliveredMs: Type.Integer({ minimum: 0, default: 24 * 3600_000 }),
          },
          { default: {} },
        ),
      },
      { default: {} },
    ),
    app: Type.Object(
      {
        // Run the application server in this process (the embedded mode); off for a CSE alone.
        enabled: Type.Boolean({ default: true }),
        // The master key (KEK), base64url of 32 bytes; absent: a 0600 file in dataDir/keys.
        masterKey: Type.Optional(Type.String({ minLength: 1 })),
        // A categorisation rule set (JSON, docs/labels.md); absent: the built-in defaults.
        labelRules: Type.Optional(Type.String({ minLength: 1 })),
        // The alert escalation chains (JSON, docs/alerts.md); absent: the built-in defaults.
        escalation: Type.Optional(Type.String({ minLength: 1 })),
      },
      { default: {} },
    ),
    devices: Type.Object(
      {
        // Validity of the device certificates the device CA issues at onboarding (days).
        certDays: Type.Integer({ minimum: 1, maximum: 3650, default: 365 }),
      },
      { default: {} },
    ),
    auth: Type.Object(
      {
        // The authorization server (OpenID provider under /oidc, sign-in pages under /auth).
        enabled: Type.Boolean({ default: true }),
        // HIPAA §164.312(a)(2)(iii) automatic logoff: a sign-in unused this long ends.
        idleTimeoutSec: Type.Integer({ minimum: 1, maximum: 86_400, default: 900 }),
        // A sign-in ends after this long whatever the activity.
        maxSessionSec: Type.Integer({ minimum: 60, maximum: 30 * 86_400, default: 12 * 3600 }),
        // Lifetime of JWT access tokens (RFC 9068); they are not introspected, so keep it short.
        accessTokenTtlSec: Type.Integer({ minimum: 1, maximum: 3600, default: 300 }),
        // Requests per minute per client IP on each credential endpoint.
        rateLimitPerMinute: Type.Integer({ minimum: 1, default: 30 }),
        // Failed attempts per account before lockout (then 30 s, doubling, at most 15 min).
        lockoutAttempts: Type.Integer({ minimum: 1, maximum: 100, default: 5 }),
        // Also accept the API tokens of the application server's directory on /app and the
        // CSE: for benchmarks and tests that load the platform without signing people in.
        // Absent: off, the demo included; only the provider's access tokens pass.
        apiTokens: Type.Optional(Type.Boolean()),
      },
      { default: {} },
    ),
    outbound: Type.Object(
      {
        // Alert e-mails through this SMTP server (docs/alerts.md, "E-mail and webhooks");
        // absent: no e-mail. TLS is required: implicit (secure, port 465) or STARTTLS.
        smtp: Type.Optional(
          Type.Object(
            {
              host: Type.String({ minLength: 1 }),
              port: Type.Integer({ minimum: 1, maximum: 65535, default: 587 }),
              secure: Type.Boolean({ default: false }),
              requireTls: Type.Boolean({ default: true }),
              user: Type.Optional(Type.String({ minLength: 1 })),
              // A 0600 file holding the password (never the password itself in the config).
              passwordFile: Type.Optional(Type.String({ minLength: 1 })),
              caFile: Type.Optional(Type.String({ minLength: 1 })),
              from: Type.String({ minLength: 3 }),
            },
            { additionalProperties: false },
          ),
        ),
        // With smtp: the family's daily digest of alerts goes out from this hour (UTC) on; null: none.
        digestHourUtc: Type.Union([Type.Integer({ minimum: 0, maximum: 23 }), Type.Null()], {
          default: 18,
        }),
        // External systems told of alert events by signed webhook (Standard Webhooks v1).
        webhooks: Type.Array(
          Type.Object(
            {
              name: Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,62}$' }),
              url: Type.String({ pattern: '^https?://' }),
              // Its signing secret (0600, whsec_…); absent: <dataDir>/outbound/<name>.secret, made at first start.
              secretFile: Type.Optional(Type.String({ minLength: 1 })),
              // The lowest criticality it is told of.
              minCriticality: Type.Union(
                [Type.Literal('low-medium'), Type.Literal('medium'), Type.Literal('high')],
                { default: 'medium' },
              ),
            },
            { additionalProperties: false },
          ),
          { default: [] },
        ),
      },
      { default: {} },
    ),
    demo: Type.Object(
      {
        // The simulated ward of `npm start`: patients, their Things and gateways.
        enabled: Type.Boolean({ default: true }),
        patients: Type.Integer({ minimum: 1, maximum: 200, default: 4 }),
        tickMs: Type.Integer({ minimum: 100, default: 5000 }),
        // Physiology runs this many times faster than the clock, so episodes unfold in minutes.
        timeScale: Type.Number({ minimum: 1, maximum: 3600, default: 30 }),
      },
      { default: {} },
    ),
  },
  { additionalProperties: false },
);

export type Config = Static<typeof ConfigSchema>;
