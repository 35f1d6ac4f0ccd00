import { ApiError, describeError } from '../session/api.js';

/**
 * The alert e-mail address on "Your sign-in" (GET/PUT /app/me/contact):
 * checked as the server checks it (src/app-server/api/contact-routes.ts:
 * at most 254 characters, a local part of at most 64, a domain with a dot),
 * so the form says what is wrong before sending; the server checks again.
 */
const EMAIL = /^[^\s@]{1,64}@[^\s@.]+(\.[^\s@.]+)+$/;
export const EMAIL_MAX = 254;

/** The address to save (trimmed), or what is wrong with it. An empty field removes the address. */
export function checkEmail(
  typed: string,
): { ok: true; email: string | null } | { ok: false; error: string } {
  const e = typed.trim();
  if (e === '') return { ok: true, email: null };
  if (e.length > EMAIL_MAX) return { ok: false, error: `At most ${EMAIL_MAX} characters.` };
  if (!EMAIL.test(e))
    return {
      ok: false,
      error:
        'Enter an e-mail address like name@example.org (no spaces, one @, a dot in the domain).',
    };
  return { ok: true, email: e };
}

/** What the page says once saved. */
export function savedText(email: string | null): string {
  return email === null
    ? 'Saved: alerts are no longer e-mailed to you.'
    : `Saved: alerts about your patients will be e-mailed to ${email}.`;
}

/** A refusal of PUT /app/me/contact in words. */
export function emailProblem(err: unknown): string {
  if (err instanceof ApiError && err.status === 400)
    return `The platform did not accept this address: ${err.message}`;
  return describeError(err);
}
