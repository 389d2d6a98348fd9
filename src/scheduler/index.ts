export {
  InitFailure,
  Instance,
  type InstanceHost,
  type InstanceOptions,
  type InvokeOutcome,
  type InvokeResult,
  type PlatformFailure,
} from './instance.js';
export type { LogLine } from './log-lines.js';
export { instancePlan, logStreamName, RUNTIMES_DIR } from './plan.js';
export { type Lease, type PoolTarget, Scheduler } from './scheduler.js';
