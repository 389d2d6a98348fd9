export type { CgroupDriver, InstanceCgroup } from './cgroup.js';
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
export {
  attachUserNet,
  findUserNet,
  sandboxResolvConf,
  USERNET_MISSING,
  type UserNet,
} from './network.js';
export { findRelay, RELAY_MISSING, SANDBOX_RUNTIME_API } from './relay.js';
export { removeStale } from './stale.js';
