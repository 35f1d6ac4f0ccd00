/**
 * Remote commands to a patient's devices, sealed end to end to the gateway
 * (issue 5 item 5; docs/commands.md).
 */
export {
  COMMAND_STATES,
  COMMAND_TTL_MS,
  DOSE_CONFIRM_MS,
  type CommandRequest,
  type CommandState,
} from './command-rules.js';
export type { CommandView } from './command-view.js';
export { RemoteCommands, type RemoteCommandsOptions } from './commands.js';
export { CommandDispatch, type DispatchOptions, type Outgoing } from './dispatch.js';
