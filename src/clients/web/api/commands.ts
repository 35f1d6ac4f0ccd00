import type { CommandKind } from '../../../protocol/command.js';
import type { Api } from '../session/api.js';

/** Remote commands (docs/commands.md; src/app-server/api/command-routes.ts, commands/command-view.ts). */
export const COMMAND_STATES = [
  'awaiting-confirmation',
  'sent',
  'acknowledged',
  'refused',
  'failed',
  'expired',
] as const;
export type CommandState = (typeof COMMAND_STATES)[number];

export interface Command {
  id: string;
  pt: string;
  kind: string;
  device: string;
  /** null once the patient is erased. */
  params: Record<string, unknown> | null;
  state: string;
  proposedBy: string;
  confirmedBy: string | null;
  gateway: string | null;
  createdAt: number;
  expiresAt: number;
  sentAt: number | null;
  doneAt: number | null;
  code: string | null;
  result?: unknown;
}

export interface CommandRequest {
  kind: CommandKind;
  device: string;
  params: Record<string, unknown>;
}

const seg = (s: string) => encodeURIComponent(s);
const base = (pt: string) => `/app/patients/${seg(pt)}/commands`;

export const commandsApi = (api: Api) => ({
  list: async (pt: string) => (await api<{ commands: Command[] }>('GET', base(pt))).commands,
  issue: async (pt: string, req: CommandRequest) =>
    (await api<{ command: Command }>('POST', base(pt), req)).command,
  confirm: async (pt: string, id: string) =>
    (await api<{ command: Command }>('POST', `${base(pt)}/${seg(id)}/confirm`)).command,
});
