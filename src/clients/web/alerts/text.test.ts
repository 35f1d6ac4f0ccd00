import { describe, expect, it } from 'vitest';
import type { AlertEventFrame, FullAlertView, MinimalAlertView } from '../api/alerts.js';
import { ApiError } from '../session/api.js';
import {
  actionRefusal,
  actorText,
  alertStateText,
  channelText,
  announcement,
  findingText,
  loadProblem,
  rolesText,
  stepText,
} from './text.js';

const alert = (o: Partial<FullAlertView> = {}): FullAlertView => ({
  view: 'full',
  id: 'al-1',
  pt: 'pt-0002',
  cl: 'high',
  state: 'raised',
  rule: 'news2',
  text: 'NEWS2 score 9: urgent review',
  step: 0,
  recovering: false,
  raisedAt: 1,
  lastSeenAt: 1,
  acknowledgedAt: null,
  acknowledgedBy: null,
  resolvedAt: null,
  resolvedBy: null,
  supersededBy: null,
  alerted: ['responder', 'doctor'],
  ...o,
});
const frame = (kind: string, o: Partial<FullAlertView> = {}, actor?: string): AlertEventFrame => ({
  type: 'event',
  seq: 1,
  kind,
  at: 1,
  ...(actor ? { actor } : {}),
  alert: alert(o),
});

describe('what the alert inbox says', () => {
  it('announces a high alert raised or escalated assertively, the rest politely', () => {
    expect(announcement(frame('raised'), 'doctor')).toEqual({
      text: 'High alert for pt-0002 raised.',
      assertive: true,
    });
    expect(announcement(frame('escalated'), 'nurse').assertive).toBe(true);
    expect(announcement(frame('raised', { cl: 'medium' }), 'nurse')).toEqual({
      text: 'Medium alert for pt-0002 raised.',
      assertive: false,
    });
    expect(announcement(frame('acknowledged', {}, 'doctor'), 'nurse')).toEqual({
      text: 'High alert for pt-0002 acknowledged by doctor.',
      assertive: false,
    });
    expect(announcement(frame('resolved', {}, 'doctor'), 'doctor').text).toBe(
      'High alert for pt-0002 resolved by you.',
    );
  });

  it('says each refusal of the server in words', () => {
    const e = (status: number, code: string, msg = 'm') => new ApiError(status, code, msg);
    expect(actionRefusal(e(409, 'already_acknowledged'), 'acknowledge')).toBe(
      'Someone has already acknowledged this alert.',
    );
    expect(actionRefusal(e(409, 'no_further_step'), 'escalate')).toMatch(/nobody further/);
    expect(actionRefusal(e(409, 'alert_resolved'), 'resolve')).toBe(
      'This alert is already resolved.',
    );
    expect(actionRefusal(e(409, 'alert_changed'), 'resolve')).toMatch(/Look again/);
    expect(
      actionRefusal(
        e(403, 'not_allowed', 'as family you may not resolve alerts of pt-1'),
        'resolve',
      ),
    ).toBe('You may not resolve this alert: as family you may not resolve alerts of pt-1.');
    expect(actionRefusal(e(404, 'unknown_alert'), 'acknowledge')).toMatch(/not known/);
    expect(actionRefusal(e(0, 'network_error'), 'acknowledge')).toMatch(/cannot be reached/);
    expect(actionRefusal(e(401, 'unauthenticated'), 'acknowledge')).toMatch(/session has ended/);
    expect(loadProblem(e(404, 'unknown_alert'))).toMatch(/not known/);
    expect(loadProblem(e(400, 'bad_request'))).toBe('That is not an alert id.');
  });

  it('withholds the finding below N in words, and says when it is no longer readable', () => {
    const m: MinimalAlertView = {
      view: 'minimal',
      id: 'al-1',
      pt: 'pt-1',
      cl: 'high',
      state: 'raised',
      raisedAt: 1,
      resolvedAt: null,
      alerted: ['responder', 'doctor'],
      summary: 'A high alert was raised; the responder and doctor were alerted.',
    };
    expect(findingText(m)).toBe(
      'Details withheld at your level. A high alert was raised; the responder and doctor were alerted.',
    );
    expect(findingText(alert())).toBe('NEWS2 score 9: urgent review');
    expect(findingText(alert({ text: null }))).toMatch(/no longer readable/);
  });

  it('says the state, with an escalation after an acknowledgement, and only the state below N', () => {
    expect(alertStateText(alert())).toBe('Raised, not yet acknowledged');
    expect(alertStateText(alert({ state: 'escalated' }))).toBe('Escalated, not yet acknowledged');
    expect(
      alertStateText(alert({ state: 'escalated', acknowledgedAt: 5, acknowledgedBy: 'doctor' })),
    ).toBe('Acknowledged; more help asked (escalated)');
    const m: MinimalAlertView = {
      view: 'minimal',
      id: 'al-1',
      pt: 'pt-1',
      cl: 'high',
      state: 'escalated',
      raisedAt: 1,
      resolvedAt: null,
      alerted: [],
      summary: '',
    };
    expect(alertStateText(m)).toBe('Escalated');
  });

  it('names steps, roles and actors', () => {
    expect(stepText(0)).toMatch(/^Step 1 /);
    expect(stepText(2)).toBe('Step 3 of the escalation chain');
    expect(rolesText([])).toBe('nobody yet');
    expect(rolesText(['nurse'])).toBe('the nurse');
    expect(rolesText(['responder', 'doctor', 'nurse'])).toBe('the responder, doctor and nurse');
    expect(actorText('doctor', 'doctor')).toBe('you');
    expect(actorText('system:superseded', 'x')).toMatch(/more critical/);
    expect(actorText(null, 'x')).toBe('someone');
    expect(['in-app', 'email', 'webhook'].map(channelText)).toEqual([
      'in the app',
      'e-mail',
      'webhook',
    ]);
  });
});
