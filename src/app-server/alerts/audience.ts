import { rank, type Confidentiality } from '../../protocol/levels.js';
import type { Access } from '../access/access.js';
import type { Directory, User } from '../directory/directory.js';
import type { CareEpisodes, Participant } from '../episodes/index.js';

/** A patient whose alerts someone hears, at the AL that decides what they see (view.ts). */
export interface Hearing {
  pt: string;
  al: Confidentiality | null;
  participant: Participant;
}

/**
 * Who hears about a patient's alerts: the episode's participants the
 * policies allow `readAlerts` (read.cedar: patient, doctor, nurse,
 * responder, family). Their view follows the lower of the AL the platform
 * gives the person and the one they hold in the episode, as the policies
 * compare them (read.participant-al-reaches-rl).
 */
export class AlertAudience {
  constructor(
    private readonly o: {
      episodes: Pick<CareEpisodes, 'participants' | 'participationsOf'>;
      directory: Pick<Directory, 'user'>;
      access: Access;
    },
  ) {}

  /** The patients whose alerts `user` hears (GET /app/alerts, the live channel). */
  async patientsOf(user: User): Promise<Hearing[]> {
    return (await this.o.episodes.participationsOf(user.id))
      .filter((p) => this.hears(user, p))
      .map((p) => ({ pt: p.pt, al: lower(user.al, p.al), participant: p }));
  }

  /** Everyone who hears about `pt`'s alerts, with their AL there. */
  async of(pt: string): Promise<Array<{ user: string; al: Confidentiality | null }>> {
    const out: Array<{ user: string; al: Confidentiality | null }> = [];
    for (const p of await this.o.episodes.participants(pt)) {
      const user = await this.o.directory.user(p.user);
      if (user && this.hears(user, p)) out.push({ user: p.user, al: lower(user.al, p.al) });
    }
    return out;
  }

  hears(user: User, p: Participant): boolean {
    return this.o.access.decide(user, 'readAlerts', { kind: 'alerts', pt: p.pt }, p).allowed;
  }

  /** Whether `user` may acknowledge, escalate and resolve `pt`'s alerts (alerts.cedar). */
  handles(user: User, p: Participant | undefined): boolean {
    return (
      !!p && this.o.access.decide(user, 'handleAlert', { kind: 'alerts', pt: p.pt }, p).allowed
    );
  }
}

function lower(a: Confidentiality | null, b: Confidentiality | null): Confidentiality | null {
  if (a === null || b === null) return null;
  return rank(a) <= rank(b) ? a : b;
}
