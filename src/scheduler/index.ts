export { locateBootstrap } from './custom-runtime.js';
export {
  InitFailure,
  Instance,
  type InstanceHost,
  type InstanceOptions,
  type InvokeOutcome,
  type InvokeResult,
  type PlanWhere,
  type PlatformFailure,
} from './instance.js';
export type { LogLine } from './log-lines.js';
export { instancePlan, logStreamName, RUNTIMES_DIR, runtimeSetup } from './plan.js';
export { type Lease, type PoolTarget, Scheduler } from './scheduler.js';
