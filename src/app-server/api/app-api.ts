import type { FastifyInstance } from 'fastify';
import { alertRoutes, type AlertApiOptions } from './alert-routes.js';
import { bearerAuth, type Authenticate } from './auth.js';
import { caregiverRoutes, type CaregiverApiOptions } from './caregiver-routes.js';
import { commandRoutes, type CommandApiOptions } from './command-routes.js';
import { contactRoutes, type ContactApiOptions } from './contact-routes.js';
import { emergencyRoutes, type EmergencyApiOptions } from './emergency-routes.js';
import { episodeRoutes, type EpisodeApiOptions } from './episode-routes.js';
import { settingsRoutes, type SettingsApiOptions } from './settings-routes.js';
import { apiErrorHandler } from './errors.js';
import { strictValidator } from './strict.js';

export interface AppApiOptions {
  authenticate: Authenticate;
  caregiver: CaregiverApiOptions;
  episodes: EpisodeApiOptions;
  emergency: EmergencyApiOptions;
  settings: SettingsApiOptions;
  commands?: CommandApiOptions;
  contacts: ContactApiOptions;
  alerts: AlertApiOptions;
}

/**
 * The application server's /app API, one routing table:
 *
 *     GET    /app/me                                caregiver-routes.ts
 *     GET    /app/me/contact                        contact-routes.ts (where alerts are e-mailed)
 *     PUT    /app/me/contact                        contact-routes.ts
 *     POST   /app/devices                           caregiver-routes.ts
 *     POST   /app/keys                              caregiver-routes.ts
 *     POST   /app/subscriptions                     caregiver-routes.ts
 *     GET    /app/episodes/:pt                      episode-routes.ts
 *     POST   /app/episodes/:pt/participants         episode-routes.ts
 *     DELETE /app/episodes/:pt/participants/:user   episode-routes.ts
 *     POST   /app/emergency                         emergency-routes.ts (break the glass)
 *     DELETE /app/emergency/:id                     emergency-routes.ts
 *     GET    /app/notices                           emergency-routes.ts
 *     POST   /app/notices/:id/read                  emergency-routes.ts
 *     GET    /app/patients/:pt/settings             settings-routes.ts
 *     PUT    /app/patients/:pt/settings             settings-routes.ts
 *     POST   /app/patients/:pt/commands             command-routes.ts (remote commands)
 *     GET    /app/patients/:pt/commands             command-routes.ts
 *     GET    /app/patients/:pt/commands/:id         command-routes.ts
 *     POST   /app/patients/:pt/commands/:id/confirm command-routes.ts (four eyes)
 *     GET    /app/alerts                            alert-routes.ts
 *     GET    /app/alerts/:id                        alert-routes.ts
 *     POST   /app/alerts/:id/acknowledge            alert-routes.ts
 *     POST   /app/alerts/:id/escalate               alert-routes.ts
 *     POST   /app/alerts/:id/resolve                alert-routes.ts
 *     GET    /app/alerts/live   (WebSocket)         alert-live.ts (an upgrade, not a route)
 *
 * Every route needs a bearer token (`authenticate` decides whose it is),
 * every input is checked strictly, every error is `{ error, message }`.
 */
export async function appApi(app: FastifyInstance, opts: AppApiOptions): Promise<void> {
  app.setValidatorCompiler(strictValidator);
  app.addHook('onRequest', bearerAuth(opts.authenticate));
  app.setErrorHandler(apiErrorHandler(app));
  await app.register(caregiverRoutes, opts.caregiver);
  await app.register(episodeRoutes, opts.episodes);
  await app.register(emergencyRoutes, opts.emergency);
  await app.register(settingsRoutes, opts.settings);
  if (opts.commands) await app.register(commandRoutes, opts.commands);
  await app.register(contactRoutes, opts.contacts);
  await app.register(alertRoutes, opts.alerts);
}
