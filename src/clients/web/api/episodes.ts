import type { Api } from '../session/api.js';

/** The care-episodes API of the application server (CONTRACTS.md, prefix /app). */
export interface Participant {
  user: string;
  role: string;
  al: string | null;
  history: boolean;
  joinedAt: number | string;
  invitedBy: string | null;
}

export interface Episode {
  pt: string;
  episode: string;
  participants: Participant[];
}

export { ROLES } from '../../../protocol/roles.js';

export interface Invitation {
  user: string;
  role: string;
  /** Absent: the role's default AL. */
  al?: string;
  /** May read data from before joining. */
  history?: boolean;
}

const seg = (s: string) => encodeURIComponent(s);

export const episodesApi = (api: Api) => ({
  get: (pt: string) => api<Episode>('GET', `/app/episodes/${seg(pt)}`),
  invite: async (pt: string, inv: Invitation) =>
    (await api<{ participant: Participant }>('POST', `/app/episodes/${seg(pt)}/participants`, inv))
      .participant,
  remove: (pt: string, user: string) =>
    api<{ removed: string; at: number }>(
      'DELETE',
      `/app/episodes/${seg(pt)}/participants/${seg(user)}`,
    ),
});
