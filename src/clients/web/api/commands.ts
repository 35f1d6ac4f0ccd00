import type { CommandKind, CommandView } from '../../../protocol/command.js';
import type { Api } from '../session/api.js';

/** Remote commands (docs/commands.md; src/app-server/api/command-routes.ts, commands/command-view.ts). */
export { COMMAND_STATES, type CommandState } from '../../../protocol/command.js';
/** A command as the API shows it. */
export type Command = CommandView;

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
