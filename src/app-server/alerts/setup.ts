import { join } from 'node:path';
import type { Config } from '../../core/config/index.js';
import type { Logger } from '../../core/log.js';
import type { Access } from '../access/access.js';
import type { AuditLog } from '../audit/audit.js';
import type { Directory } from '../directory/directory.js';
import type { CareEpisodes } from '../episodes/index.js';
import type { Keyring } from '../keyring/keyring.js';
import type { AppDb } from '../store/db.js';
import { AlertAudience } from './audience.js';
import { AlertEngine } from './engine.js';
import { loadEscalation } from './escalation.js';
import { AlertDigest, type AlertDigestOptions } from './digest.js';
import { AlertLive } from './live.js';
import { AlertOutbound } from './outbound.js';
import { Mailer } from '../outbound/mail.js';
import { webhookSecret } from '../outbound/webhook.js';
import { AlertReader } from './reader.js';
import { raisedReaders } from './responder.js';

export interface Alerts {
  engine: AlertEngine;
  reader: AlertReader;
  audience: AlertAudience;
  live: AlertLive;
  /** For CareEpisodes' `raised` hook: responders at R while a high alert is open. */
  raisedReaders: (pt: string) => ReturnType<typeof raisedReaders>;
}

/**
 * The alert parts of one application server, wired together: the engine
 * tells live delivery of every event, and refreshes the patient's CSE
 * access (`refreshAccess`) when a high alert opens or closes.
 */
export function createAlerts(o: {
  db: AppDb;
  keyring: Pick<Keyring, 'dataKey' | 'dataKeyAt'>;
  audit: AuditLog;
  log: Logger;
  /** config `app.escalation`: the chain file; absent: the default of the repository. */
  escalationFile: string | undefined;
  episodes: () => CareEpisodes;
  directory: Pick<Directory, 'user'>;
  access: Access;
  refreshAccess: (pt: string) => Promise<void>;
  /** E-mail and webhooks (alertOutbound), told of every event after live delivery. */
  outbound?: AlertOutbound | undefined;
  now?: () => number;
}): Alerts {
  const episodes = {
    participants: (pt: string) => o.episodes().participants(pt),
    participationsOf: (user: string) => o.episodes().participationsOf(user),
  };
  const audience = new AlertAudience({ episodes, directory: o.directory, access: o.access });
  const reader = new AlertReader({ db: o.db, keyring: o.keyring, log: o.log });
  const live = new AlertLive({ reader, audience, log: o.log, ...(o.now ? { now: o.now } : {}) });
  const engine = new AlertEngine({
    db: o.db,
    keyring: o.keyring,
    audit: o.audit,
    log: o.log,
    config: loadEscalation(o.escalationFile),
    members: async (pt) =>
      (await episodes.participants(pt)).map((p) => ({ user: p.user, role: p.role, al: p.al })),
    onEvent: (e, a) => {
      live.publish(e, a);
      o.outbound?.publish(e, a);
    },
    onHighChange: o.refreshAccess,
    ...(o.now ? { now: o.now } : {}),
  });
  return {
    engine,
    reader,
    audience,
    live,
    raisedReaders: (pt) =>
      raisedReaders(pt, {
        hasOpenHigh: (p) => engine.hasOpenHigh(p),
        episodes,
        directory: o.directory,
        access: o.access,
      }),
  };
}

/**
 * E-mail and webhooks for alerts as configured (`outbound`, docs/alerts.md),
 * with the family's daily digest when e-mail is configured: undefined when
 * neither an SMTP server nor a webhook is configured. Each
 * webhook's signing secret is read from its file, made (0600) the first time.
 */
export function alertOutbound(o: {
  config: Config;
  db: AppDb;
  log: Logger;
  email: (user: string) => Promise<string | undefined>;
  platformUrl: () => string | undefined;
  participants: AlertDigestOptions['participants'];
}): { outbound: AlertOutbound; digest: AlertDigest | undefined; close: () => void } | undefined {
  const { smtp, webhooks } = o.config.outbound;
  if (!smtp && webhooks.length === 0) return undefined;
  const mailer = smtp ? new Mailer(smtp) : undefined;
  const outbound = new AlertOutbound({
    db: o.db,
    log: o.log,
    mailer,
    webhooks: webhooks.map((w) => {
      const secretFile = w.secretFile ?? join(o.config.dataDir, 'outbound', `${w.name}.secret`);
      return { ...w, secretFile, secret: webhookSecret(secretFile) };
    }),
    email: o.email,
    platformUrl: o.platformUrl,
  });
  const hourUtc = o.config.outbound.digestHourUtc;
  const digest =
    mailer && hourUtc !== null
      ? new AlertDigest({
          db: o.db,
          log: o.log,
          mailer,
          participants: o.participants,
          email: o.email,
          platformUrl: o.platformUrl,
          hourUtc,
          roles: ['family'],
        })
      : undefined;
  return { outbound, digest, close: () => mailer?.close() };
}
