import type { Clock } from '../../shared/clock.js';
import { fail } from '../../shared/error-codes.js';
import type { TimerPatch, TimerRecord, TimerStore } from '../../store/types.js';
import { parseSchedule, type Schedule } from './schedule.js';
import { ScheduleError } from './schedule-error.js';
import type { TimerTargets } from './targets.js';

/** Timer names: as EventBridge rule names. */
export const TIMER_NAME_RE = /^[A-Za-z0-9._-]{1,64}$/;
const FUNCTION_NAME_RE = /^[a-zA-Z0-9-_]{1,64}$/;
const QUALIFIER_RE = /^(\$LATEST|[a-zA-Z0-9-_]{1,128})$/;
/** EventBridge's limit on a target's constant input. */
export const MAX_TIMER_PAYLOAD_CHARS = 8192;

export interface TimerInput {
  name: string;
  functionName: string;
  /** A version or alias; absent or null for `$LATEST`. */
  qualifier?: string | null;
  schedule: string;
  /** IANA zone; absent or null for UTC. */
  timeZone?: string | null;
  payload?: string | null;
  /** Default true. */
  enabled?: boolean;
  /** Default false: missed fires are skipped. */
  catchUp?: boolean;
}

/** What an edit may change; absent fields stay. */
export type TimerChanges = Partial<Omit<TimerInput, 'name'>>;

export interface TimerManagerDeps {
  store: TimerStore;
  targets: TimerTargets;
  clock: Clock;
  /** Told after every change, so the firing loop recomputes its sleep. */
  onChange?: () => void;
}

/**
 * Creating, reading, editing and deleting timers, with every check: names,
 * schedule and time zone, target function, payload. Next-fire times are set
 * here; firing is TimerService's.
 */
export class TimerManager {
  constructor(private readonly deps: TimerManagerDeps) {}

  async create(input: TimerInput): Promise<TimerRecord> {
    if (!TIMER_NAME_RE.test(input.name)) {
      throw fail(
        'BadRequest',
        `"${input.name}" is not a valid timer name (1-64 of a-z A-Z 0-9 . - _)`,
      );
    }
    const qualifier = input.qualifier ?? null;
    const payload = input.payload ?? null;
    await this.checkTarget(input.functionName, qualifier, payload);
    const now = this.deps.clock.now();
    const schedule = scheduleOf(input.schedule, input.timeZone ?? null);
    const rec: TimerRecord = {
      name: input.name,
      functionName: input.functionName,
      qualifier,
      schedule: schedule.expression,
      timeZone: input.timeZone ?? null,
      payload,
      enabled: input.enabled ?? true,
      catchUp: input.catchUp ?? false,
      nextFireAtMs: firstFire(schedule, now),
      lastFireAtMs: null,
      leaseOwner: null,
      leaseUntilMs: null,
      createdAtMs: now,
      updatedAtMs: now,
    };
    await this.deps.store.create(rec);
    this.deps.onChange?.();
    return rec;
  }

  /** Throws NotFound. */
  async get(name: string): Promise<TimerRecord> {
    const rec = await this.deps.store.get(name);
    if (!rec) throw fail('NotFound', `Timer not found: ${name}`);
    return rec;
  }

  list(functionName?: string): Promise<TimerRecord[]> {
    return this.deps.store.list(functionName === undefined ? {} : { functionName });
  }

  /**
   * Applies changes. A new schedule or time zone restarts the timer from now;
   * resuming a paused timer continues its chain with the first due time after
   * now (fires missed while paused are skipped, whatever `catchUp` says).
   */
  async update(name: string, changes: TimerChanges): Promise<TimerRecord> {
    const cur = await this.get(name);
    const functionName = changes.functionName ?? cur.functionName;
    const qualifier = changes.qualifier !== undefined ? changes.qualifier : cur.qualifier;
    const payload = changes.payload !== undefined ? changes.payload : cur.payload;
    if (
      changes.functionName !== undefined ||
      changes.qualifier !== undefined ||
      changes.payload !== undefined
    ) {
      await this.checkTarget(functionName, qualifier, payload);
    }
    const now = this.deps.clock.now();
    const patch: TimerPatch = { updatedAtMs: now };
    if (changes.functionName !== undefined) patch.functionName = functionName;
    if (changes.qualifier !== undefined) patch.qualifier = qualifier;
    if (changes.payload !== undefined) patch.payload = payload;
    if (changes.enabled !== undefined) patch.enabled = changes.enabled;
    if (changes.catchUp !== undefined) patch.catchUp = changes.catchUp;
    const timeZone = changes.timeZone !== undefined ? changes.timeZone : cur.timeZone;
    const rescheduled =
      (changes.schedule !== undefined && changes.schedule.trim() !== cur.schedule) ||
      (changes.timeZone !== undefined && timeZone !== cur.timeZone);
    if (rescheduled) {
      const schedule = scheduleOf(changes.schedule ?? cur.schedule, timeZone);
      patch.schedule = schedule.expression;
      patch.timeZone = timeZone;
      patch.nextFireAtMs = firstFire(schedule, now);
    } else if (changes.enabled === true && !cur.enabled && cur.nextFireAtMs !== null) {
      patch.nextFireAtMs = scheduleOf(cur.schedule, cur.timeZone).next(cur.nextFireAtMs, now);
    }
    const rec = await this.deps.store.update(name, patch);
    if (!rec) throw fail('NotFound', `Timer not found: ${name}`);
    this.deps.onChange?.();
    return rec;
  }

  /** Throws NotFound. */
  async delete(name: string): Promise<void> {
    if (!(await this.deps.store.delete(name))) throw fail('NotFound', `Timer not found: ${name}`);
    this.deps.onChange?.();
  }

  private async checkTarget(
    functionName: string,
    qualifier: string | null,
    payload: string | null,
  ): Promise<void> {
    if (!FUNCTION_NAME_RE.test(functionName)) {
      throw fail(
        'BadRequest',
        `"${functionName}" is not a valid function name (1-64 of a-z A-Z 0-9 - _)`,
      );
    }
    if (qualifier !== null && !QUALIFIER_RE.test(qualifier)) {
      throw fail('BadRequest', `"${qualifier}" is not a valid qualifier (a version or alias)`);
    }
    if (payload !== null && payload.length > MAX_TIMER_PAYLOAD_CHARS) {
      throw fail(
        'BadRequest',
        `payload is ${payload.length} characters; at most ${MAX_TIMER_PAYLOAD_CHARS} are allowed`,
      );
    }
    const flavour = await this.deps.targets.flavourOf(functionName, qualifier);
    if (flavour === undefined) {
      throw fail(
        'NotFound',
        qualifier === null
          ? `Function not found: ${functionName}`
          : `Function not found: ${functionName}:${qualifier} (no such function, version or alias)`,
      );
    }
    if (flavour === 'lambda' && payload !== null && !isJsonObject(payload)) {
      throw fail(
        'BadRequest',
        `payload must be a JSON object for ${functionName} (it becomes the Scheduled Event's detail)`,
      );
    }
  }
}

function scheduleOf(expression: string, timeZone: string | null): Schedule {
  try {
    return parseSchedule(expression, timeZone);
  } catch (e) {
    if (e instanceof ScheduleError) throw fail('BadRequest', e.message);
    throw e;
  }
}

function firstFire(schedule: Schedule, nowMs: number): number {
  const first = schedule.first(nowMs);
  if (first === null) {
    throw fail('BadRequest', `schedule "${schedule.expression}" never fires after now`);
  }
  return first;
}

function isJsonObject(text: string): boolean {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null && !Array.isArray(v);
  } catch {
    return false;
  }
}
