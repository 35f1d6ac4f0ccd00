import type { Api } from '../session/api.js';

/** Break the glass and notices (docs/break-glass.md; src/app-server/api/emergency-routes.ts). */
export interface Grant {
  id: string;
  pt: string;
  /** The holder. */
  user: string;
  openedAt: number;
  expiresAt: number;
  closedAt: number | null;
  /** The holder, the patient's user, or `expiry`. */
  closedBy: string | null;
}

/** One notice: what the patient or a data-protection officer was told about an emergency access. */
export interface Notice {
  id: string;
  kind: string;
  pt: string;
  createdAt: number;
  readAt: number | null;
  grant: {
    id: string;
    /** Who opened it, and their role (null once the account is gone). */
    by: string;
    role: string | null;
    /** Null once it can no longer be opened (the patient was erased: their key is shredded). */
    reason: string | null;
    openedAt: number;
    expiresAt: number;
    closedAt: number | null;
    closedBy: string | null;
  };
}

/** Duration of a grant in minutes: the server's default and maximum (GRANT_MINUTES). */
export const GRANT_MINUTES = { default: 60, max: 240 } as const;

const seg = (s: string) => encodeURIComponent(s);

export const emergencyApi = (api: Api) => ({
  open: async (pt: string, reason: string, minutes?: number) =>
    (
      await api<{ grant: Grant }>('POST', '/app/emergency', {
        pt,
        reason,
        ...(minutes === undefined ? {} : { minutes }),
      })
    ).grant,
  close: async (id: string) =>
    (await api<{ grant: Grant }>('DELETE', `/app/emergency/${seg(id)}`)).grant,
  notices: async () => (await api<{ notices: Notice[] }>('GET', '/app/notices')).notices,
  markRead: (id: string) => api<unknown>('POST', `/app/notices/${seg(id)}/read`),
});
