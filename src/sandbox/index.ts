export type { CgroupDriver, InstanceCgroup } from './cgroup.js';
export { CodeSlot, linkTree, type PlacementMode, SlotArea } from './code-slot.js';
export { detectIsolation, type IsolationInfo } from './detect.js';
export {
  type ExitReport,
  extensionDroppedEnv,
  extensionEntryArgv,
  listExtensions,
  parseExitReport,
} from './extensions.js';
export {
  CGROUP_JOIN_FAILED_EXIT,
  launch,
  pathsFor,
  SANDBOX_PATHS,
  type SandboxPaths,
  type SandboxSpec,
} from './launch.js';
export { Mounter, mountsUnder } from './mounter.js';
export {
  attachUserNet,
  findUserNet,
  sandboxResolvConf,
  USERNET_MISSING,
  type UserNet,
} from './network.js';
export {
  AWS_SOCKET_NAME,
  findRelay,
  RELAY_MISSING,
  SANDBOX_AWS_ENDPOINT,
  SANDBOX_RUNTIME_API,
} from './relay.js';
export { removeStale } from './stale.js';
