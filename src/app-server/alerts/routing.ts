import type { Confidentiality } from '../../protocol/levels.js';
import type { Role } from '../../protocol/roles.js';
import type { EscalationStep } from './escalation.js';

/** A participant of the patient's care episode, as routing needs them. */
export interface EpisodeMember {
  user: string;
  role: Role;
  al: Confidentiality | null;
}

/**
 * Who one step of an escalation chain alerts (issue 5 item 3): the episode's
 * participants whose role the step names, then its named on-call users
 * (role `on-call` unless they take part in the episode). Nobody outside the
 * episode is picked by role; a patient's own users and family are alerted
 * only if a chain names their role.
 */
export function recipientsOf(
  step: EscalationStep,
  members: readonly EpisodeMember[],
): Array<{ user: string; role: string }> {
  const out = members
    .filter((m) => step.roles.includes(m.role))
    .map((m) => ({ user: m.user, role: m.role as string }));
  for (const user of step.users ?? [])
    if (!out.some((r) => r.user === user))
      out.push({ user, role: members.find((m) => m.user === user)?.role ?? 'on-call' });
  return out;
}
