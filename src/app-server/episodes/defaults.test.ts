import { describe, expect, it } from 'vitest';
import { ROLES } from '../directory/roles.js';
import { allowedLevels, historyByDefault } from './defaults.js';

describe('participation defaults', () => {
  it('gives history by default to the patient and the treating doctor only', () => {
    expect(ROLES.filter(historyByDefault).sort()).toEqual(['doctor', 'patient']);
  });

  it('gives each role at most its default AL, and admin and dpo none', () => {
    expect(allowedLevels('patient')).toEqual(['U', 'L', 'M', 'N', 'R', 'V']);
    expect(allowedLevels('nurse')).toEqual(['U', 'L', 'M', 'N']);
    expect(allowedLevels('family')).toEqual(['U', 'L']);
    expect(allowedLevels('researcher')).toEqual(['U']);
    expect(allowedLevels('admin')).toEqual([]);
    expect(allowedLevels('dpo')).toEqual([]);
  });
});
