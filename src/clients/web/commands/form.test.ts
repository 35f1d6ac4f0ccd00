import { describe, expect, it } from 'vitest';
import { INTERVAL_MINUTES, PUMP_RATE_ML_H } from '../../../protocol/command.js';
import { ApiError } from '../session/api.js';
import { checkCommand, commandRefusal, commandText, refreshEvery, stateText } from './form.js';

const form = (o: Partial<Parameters<typeof checkCommand>[0]>) => ({
  kind: 'changeInterval' as const,
  device: 'oximeter',
  minutes: '15',
  rate: '',
  ...o,
});

describe('the command form', () => {
  it('takes an interval within the protocol’s bounds, whole minutes only', () => {
    expect(checkCommand(form({ minutes: ' 15 ' }))).toEqual({
      ok: true,
      request: { kind: 'changeInterval', device: 'oximeter', params: { minutes: 15 } },
    });
    for (const ok of [INTERVAL_MINUTES.min, INTERVAL_MINUTES.max])
      expect(checkCommand(form({ minutes: String(ok) })).ok).toBe(true);
    for (const bad of [
      String(INTERVAL_MINUTES.min - 1),
      String(INTERVAL_MINUTES.max + 1),
      '1.5',
      '',
      'abc',
      '-5',
      '1e2',
    ])
      expect(checkCommand(form({ minutes: bad }))).toEqual({
        ok: false,
        errors: { minutes: 'A whole number of minutes from 1 to 240.' },
      });
  });

  it('takes a rate from 0 to 500 mL/h for the pump only', () => {
    const dose = (rate: string, device = 'infusion-pump') =>
      checkCommand(form({ kind: 'changeDose', device, rate }));
    expect(dose('42.5')).toEqual({
      ok: true,
      request: { kind: 'changeDose', device: 'infusion-pump', params: { rate: 42.5 } },
    });
    expect(dose(String(PUMP_RATE_ML_H.min)).ok).toBe(true);
    expect(dose(String(PUMP_RATE_ML_H.max)).ok).toBe(true);
    for (const bad of ['500.01', '501', '-1', '', '1.234', 'NaN', 'Infinity', '0x10'])
      expect(dose(bad).ok, bad).toBe(false);
    expect(dose('40', 'oximeter')).toMatchObject({
      ok: false,
      errors: { device: /infusion pump/ },
    });
  });

  it('sends a spot check with no params, to a sensor only', () => {
    expect(checkCommand(form({ kind: 'spotCheck', device: 'thermometer', minutes: 'x' }))).toEqual({
      ok: true,
      request: { kind: 'spotCheck', device: 'thermometer', params: {} },
    });
    expect(checkCommand(form({ kind: 'spotCheck', device: 'infusion-pump' })).ok).toBe(false);
  });

  it('says commands and their states in words', () => {
    expect(
      commandText({ kind: 'changeInterval', device: 'oximeter', params: { minutes: 5 } }),
    ).toBe('Measure every 5 min · pulse oximeter');
    expect(commandText({ kind: 'changeDose', device: 'infusion-pump', params: { rate: 40 } })).toBe(
      'Infusion rate 40 mL/h · infusion pump',
    );
    expect(commandText({ kind: 'changeDose', device: 'infusion-pump', params: null })).toBe(
      'Infusion rate ? mL/h · infusion pump',
    );
    expect(stateText({ state: 'refused', code: 'out_of_range', confirmedBy: null })).toBe(
      'Refused by the device (out of range)',
    );
    expect(stateText({ state: 'awaiting-confirmation', code: null, confirmedBy: null })).toMatch(
      /second clinician/,
    );
  });

  it('refreshes the list often while a command is on its way', () => {
    expect(refreshEvery([{ state: 'acknowledged' }, { state: 'sent' }])).toBe(2_000);
    expect(refreshEvery([{ state: 'awaiting-confirmation' }])).toBe(5_000);
    expect(refreshEvery([{ state: 'expired' }])).toBe(15_000);
    expect(refreshEvery([])).toBe(15_000);
  });

  it('says the server’s refusals in words', () => {
    const e = (status: number, code: string, msg = 'm') => new ApiError(status, code, msg);
    expect(commandRefusal(e(403, 'four_eyes'))).toBe(
      'A dose change must be confirmed by another clinician: you proposed this one.',
    );
    expect(commandRefusal(e(403, 'mfa_required'))).toMatch(/second factor/);
    expect(commandRefusal(e(403, 'not_allowed', 'as family you may not changeDose here'))).toBe(
      'Not allowed: as family you may not changeDose here.',
    );
    expect(
      commandRefusal(
        e(400, 'bad_params', 'params/rate: Expected number to be less or equal to 500'),
      ),
    ).toMatch(/less or equal to 500/);
    expect(commandRefusal(e(409, 'expired'))).toMatch(/propose it again/);
    expect(commandRefusal(e(409, 'not_awaiting_confirmation'))).toMatch(/no longer waiting/);
  });
});
