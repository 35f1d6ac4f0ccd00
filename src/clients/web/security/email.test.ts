import { describe, expect, it } from 'vitest';
import { ApiError } from '../session/api.js';
import { checkEmail, emailProblem, savedText } from './email.js';

describe('the alert e-mail address', () => {
  it('takes an address as the server does, trimmed; an empty field removes it', () => {
    expect(checkEmail(' nurse@ward.example.org ')).toEqual({
      ok: true,
      email: 'nurse@ward.example.org',
    });
    expect(checkEmail('   ')).toEqual({ ok: true, email: null });
    for (const bad of [
      'nurse',
      'nurse@ward',
      'a b@x.org',
      '@x.org',
      'n@@x.org',
      'n@x..org',
      `${'a'.repeat(65)}@x.org`,
      `a@${'b'.repeat(250)}.org`,
    ])
      expect(checkEmail(bad).ok, bad).toBe(false);
  });

  it('says what was saved, and a refusal in words', () => {
    expect(savedText('n@x.org')).toBe(
      'Saved: alerts about your patients will be e-mailed to n@x.org.',
    );
    expect(savedText(null)).toBe('Saved: alerts are no longer e-mailed to you.');
    expect(emailProblem(new ApiError(400, 'bad_request', 'body/email must match pattern'))).toBe(
      'The platform did not accept this address: body/email must match pattern',
    );
  });
});
