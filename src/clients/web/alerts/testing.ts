import type { AlertEventFrame, AlertView, FullAlertView, MinimalAlertView } from '../api/alerts.js';

/** Alert views and event frames as the server sends them, for the inbox's tests. */
export const full = (id: string, o: Partial<FullAlertView> = {}): FullAlertView => ({
  view: 'full',
  id,
  pt: 'pt-0002',
  cl: 'high',
  state: 'raised',
  rule: 'news2',
  text: 'NEWS2 9',
  step: 0,
  recovering: false,
  raisedAt: 1000,
  lastSeenAt: 1000,
  acknowledgedAt: null,
  acknowledgedBy: null,
  resolvedAt: null,
  resolvedBy: null,
  supersededBy: null,
  alerted: ['responder', 'doctor'],
  ...o,
});
export const minimal = (id: string, o: Partial<MinimalAlertView> = {}): MinimalAlertView => ({
  view: 'minimal',
  id,
  pt: 'pt-0001',
  cl: 'medium',
  state: 'raised',
  raisedAt: 1000,
  resolvedAt: null,
  alerted: ['nurse'],
  summary: 'A medium alert was raised; the nurse was alerted.',
  ...o,
});
export const ev = (seq: number, alert: AlertView, kind = 'raised'): AlertEventFrame => ({
  type: 'event',
  seq,
  kind,
  at: seq,
  alert,
});
