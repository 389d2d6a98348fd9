export { Capacity, type CapacityOptions } from './capacity.js';
export { locateBootstrap } from './custom-runtime.js';
export { Instance } from './instance.js';
export {
  InitFailure,
  type InstanceHost,
  type InstanceOptions,
  type InvokeOutcome,
  type InvokeResult,
  type PlanWhere,
  type PlatformFailure,
  type StartType,
} from './instance-types.js';
export type { LogLine } from './log-lines.js';
export { MemoryGuard, type MemoryGuardOptions, readMemAvailableMb } from './memory-guard.js';
export {
  type FunctionAwsAccess,
  instancePlan,
  logStreamName,
  RUNTIMES_DIR,
  runtimeSetup,
} from './plan.js';
export { type FleetStatus, ProvisionedFleet } from './provisioned-fleet.js';
export { RunQueue, runSlotsOf } from './run-queue.js';
export { type Lease, type PoolTarget, Scheduler } from './scheduler.js';
