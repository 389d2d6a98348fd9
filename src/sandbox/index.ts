export type { CgroupDriver, InstanceCgroup } from './cgroup.js';
export { type IsolationInfo, detectIsolation } from './detect.js';
export {
  CGROUP_JOIN_FAILED_EXIT,
  launch,
  pathsFor,
  SANDBOX_PATHS,
  type SandboxPaths,
  type SandboxSpec,
} from './launch.js';
