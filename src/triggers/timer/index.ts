export {
  MAX_TIMER_PAYLOAD_CHARS,
  TIMER_NAME_RE,
  type TimerChanges,
  type TimerInput,
  TimerManager,
  type TimerManagerDeps,
} from './manager.js';
export { isoSeconds, type TimerFire, timerEvent } from './payload.js';
export { DEFAULT_TIME_ZONE, parseSchedule, type Schedule, type ScheduleKind } from './schedule.js';
export { ScheduleError } from './schedule-error.js';
export { TimerService, type TimerServiceDeps } from './service.js';
export { registryTargets, type TimerTargets } from './targets.js';
