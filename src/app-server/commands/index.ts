/**
 * Remote commands to a patient's devices, sealed end to end to the gateway
 * (issue 5 item 5; docs/commands.md).
 */
export {
  COMMAND_STATES,
  COMMAND_TTL_MS,
  DOSE_CONFIRM_MS,
  RemoteCommands,
  type CommandRequest,
  type CommandState,
  type CommandView,
  type RemoteCommandsOptions,
} from './commands.js';
export { CommandDispatch, type DispatchOptions, type Outgoing } from './dispatch.js';
