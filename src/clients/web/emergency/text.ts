import { ApiError, describeError } from '../session/api.js';
import { GRANT_MINUTES, type Notice } from '../api/emergency.js';

/**
 * What the break-the-glass pages say, kept apart from React so it can be
 * unit tested: the refusals of POST /app/emergency in words, the local
 * time a grant ends, and how a notice's grant ended.
 */

/** The wall-clock time (local, 24 h) as HH:MM, as the banner shows it. */
export function hhmm(at: number): string {
  const d = new Date(at);
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
}

export const MFA_MESSAGE =
  'Emergency access needs a sign-in with a second factor (authenticator app or passkey).';

/** A refusal to open emergency access, for the person who asked (docs/break-glass.md, "Refusals"). */
export function openRefusal(err: unknown, pt: string): string {
  if (!(err instanceof ApiError) || err.status === 401 || err.status === 0)
    return describeError(err);
  switch (err.code) {
    case 'mfa_required':
      return MFA_MESSAGE;
    case 'not_allowed':
      return `Your role may not open emergency access (${err.message}).`;
    case 'already_participant':
      return `You already take part in this patient’s care: open ${pt} from your patient list.`;
    case 'reason_required':
      return 'Say why you need emergency access: the reason is mandatory.';
    case 'unknown_patient':
      return `There is no patient ${pt} on this platform. Check the patient id.`;
    case 'bad_request':
      return `Check the patient id and the duration (1 to ${GRANT_MINUTES.max} minutes): ${err.message}`;
    default:
      return describeError(err);
  }
}

/** Checks the form before it is sent; the server checks again. */
export function checkOpenForm(f: { pt: string; reason: string; minutes: string }) {
  const errors: { pt?: string; reason?: string; minutes?: string } = {};
  if (!/^[A-Za-z0-9._:-]{1,128}$/.test(f.pt.trim()))
    errors.pt = 'Enter the patient id (letters, digits, . _ : -), e.g. pt-0001.';
  if (!f.reason.trim()) errors.reason = 'The reason is mandatory: say why you need access now.';
  else if (f.reason.trim().length > 1000) errors.reason = 'At most 1000 characters.';
  const m = Number(f.minutes);
  if (!/^\d+$/.test(f.minutes.trim()) || m < 1 || m > GRANT_MINUTES.max)
    errors.minutes = `A whole number of minutes from 1 to ${GRANT_MINUTES.max}.`;
  return errors;
}

export type GrantState =
  | { open: true; until: number }
  | { open: false; at: number; by: 'expiry' | 'holder' | 'you' | 'patient'; who: string | null };

/** Whether a notice's grant is still open at `now`, and if not, when and by whom it ended. */
export function grantState(g: Notice['grant'], me: string, now: number): GrantState {
  if (g.closedAt === null) {
    if (g.expiresAt > now) return { open: true, until: g.expiresAt };
    // Past its time, before the server's 15 s sweep closed it.
    return { open: false, at: g.expiresAt, by: 'expiry', who: null };
  }
  const by =
    g.closedBy === 'expiry'
      ? 'expiry'
      : g.closedBy === me
        ? 'you'
        : g.closedBy === g.by
          ? 'holder'
          : 'patient';
  return { open: false, at: g.closedAt, by, who: g.closedBy };
}

/** "ended by …" in words. */
export function endedBy(s: Extract<GrantState, { open: false }>): string {
  switch (s.by) {
    case 'expiry':
      return 'when its time was up';
    case 'you':
      return 'by you';
    case 'holder':
      return `by ${s.who}, who opened it`;
    case 'patient':
      return `by the patient (${s.who})`;
  }
}

export const unreadCount = (notices: Notice[]) => notices.filter((n) => n.readAt === null).length;

/** Newest first (the server sends them so; kept so whatever the order received). */
export const newestFirst = (notices: Notice[]) =>
  [...notices].sort((a, b) => b.createdAt - a.createdAt);
