import type { Access } from '../access/access.js';
import type { Directory } from '../directory/directory.js';
import type { CareEpisodes } from '../episodes/index.js';
import type { Reader } from '../layout/patient-layout.js';

/**
 * The responder's location during an open high alert (issue 4 gap, issue 5
 * item 7): while a high-CL alert is open for `pt`, the episode's
 * responders are admitted to the containers up to the level the policies
 * give them for emergency treatment (responder.cedar:
 * responder.location-during-high-alert, i.e. R). CareEpisodes merges these
 * readers with the participants (the higher level wins); the alert engine
 * refreshes the patient's ACPs when a high alert opens and when it closes.
 */
export async function raisedReaders(
  pt: string,
  o: {
    hasOpenHigh: (pt: string) => Promise<boolean>;
    episodes: Pick<CareEpisodes, 'participants'>;
    directory: Pick<Directory, 'user'>;
    access: Access;
  },
): Promise<Reader[]> {
  if (!(await o.hasOpenHigh(pt))) return [];
  const out: Reader[] = [];
  for (const p of await o.episodes.participants(pt)) {
    if (p.role !== 'responder') continue;
    const user = await o.directory.user(p.user);
    const al =
      user && o.access.readableLevel(user, pt, p, { openHighAlert: true, purposeOfUse: 'ETREAT' });
    if (al) out.push({ id: p.user, al });
  }
  return out;
}
