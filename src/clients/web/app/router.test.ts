import { describe, expect, it } from 'vitest';
import { href, parse } from './router.js';

describe('the web app routes', () => {
  it('parses what href makes, and nothing else', () => {
    expect(parse(href.patients())).toEqual({ page: 'patients' });
    expect(parse('/web')).toEqual({ page: 'patients' });
    expect(parse(href.notices())).toEqual({ page: 'notices' });
    expect(parse(href.emergency())).toEqual({ page: 'emergency' });
    expect(parse(href.security())).toEqual({ page: 'security' });
    expect(parse(href.alerts())).toEqual({ page: 'alerts' });
    expect(parse(href.alert('al-0a1b'))).toEqual({ page: 'alert', id: 'al-0a1b' });
    for (const pt of ['pt-0001', 'a b/c', 'é']) {
      expect(parse(href.patient(pt))).toEqual({ page: 'patient', pt });
      expect(parse(href.episode(pt))).toEqual({ page: 'episode', pt });
      expect(parse(href.devices(pt))).toEqual({ page: 'devices', pt });
    }
    for (const bad of [
      '/web/patients/',
      '/web/patients/x/y',
      '/web/x',
      '/web/patients/%E0%A4%A',
      '/web/notices/x',
      '/web/alerts/x',
      '/web/alerts/al-1/x',
    ])
      expect(parse(bad)).toEqual({ page: 'not-found' });
  });
});
