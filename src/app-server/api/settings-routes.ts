import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { SettingsBody, type PatientSettings, type StoredSettings } from '../settings/index.js';
import { caller } from './auth.js';

export interface SettingsApiOptions {
  settings: Pick<PatientSettings, 'view' | 'change'>;
}

const ID = Type.String({ pattern: '^[A-Za-z0-9._:-]{1,128}$' });
const PtParams = Type.Object({ pt: ID }, { additionalProperties: false });

const shown = (pt: string, s: StoredSettings) => ({
  pt,
  spo2Scale: s.spo2Scale,
  spo2Target: s.spo2Target ?? null,
  thresholds: s.thresholds,
  updatedAt: s.updatedAt,
  updatedBy: s.updatedBy,
});

/**
 * Per-patient clinical settings, under /app (issue 5 item 1):
 *
 *     GET /app/patients/:pt/settings   the SpO2 scale, target range and thresholds in force
 *     PUT /app/patients/:pt/settings   replace them (doctors of the episode; policies/v1/settings.cedar)
 *
 * The body is checked strictly (settings/schema.ts): ranges, order of the
 * bounds, a target range only on SpO2 scale 2; anything else is 400.
 */
export async function settingsRoutes(
  app: FastifyInstance,
  opts: SettingsApiOptions,
): Promise<void> {
  app.get<{ Params: Static<typeof PtParams> }>(
    '/patients/:pt/settings',
    { schema: { params: PtParams } },
    async (req) => shown(req.params.pt, await opts.settings.view(req.params.pt, caller(req))),
  );

  app.put<{ Params: Static<typeof PtParams>; Body: Static<typeof SettingsBody> }>(
    '/patients/:pt/settings',
    { schema: { params: PtParams, body: SettingsBody } },
    async (req) =>
      shown(req.params.pt, await opts.settings.change(req.params.pt, caller(req), req.body)),
  );
}
