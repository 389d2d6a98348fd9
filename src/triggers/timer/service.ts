import { hostname } from 'node:os';
import type { AsyncEnqueuer } from '../../invoke/async/types.js';
import type { ArnContext } from '../../shared/arn.js';
import type { Clock } from '../../shared/clock.js';
import { isNimbusError } from '../../shared/errors.js';
import type { IdGenerator } from '../../shared/ids.js';
import type { TimerRecord, TimerStore } from '../../store/types.js';
import { isoSeconds, timerEvent } from './payload.js';
import { parseSchedule } from './schedule.js';
import type { TimerTargets } from './targets.js';

export interface TimerServiceDeps {
  store: TimerStore;
  enqueuer: AsyncEnqueuer;
  targets: TimerTargets;
  clock: Clock;
  ids: IdGenerator;
  arn: ArnContext;
  /** This node's lease owner id; unique per process (default: host, pid and a random tag). */
  ownerId?: string;
  /** How long a claim holds before another node may take the fire over (default 30 s). */
  leaseMs?: number;
  /** A due time later than this when its turn comes counts as missed (default 60 s). */
  missedAfterMs?: number;
  /** The real-time loop's longest sleep, so other nodes' changes are seen (default 1 s). */
  maxSleepMs?: number;
  /** Where fires that could not happen are reported (default: stderr). */
  log?: (line: string) => void;
}

const DUE_BATCH = 100;
/** Bound on claim rounds per runDue: each round moves every fired timer past one due time. */
const MAX_ROUNDS = 1000;

type Outcome = 'fired' | 'skipped' | 'lost' | 'failed';

/**
 * Fires due timers. Each due time fires once across every node sharing the
 * store: a fire first claims the timer (a compare-and-set lease on its due
 * time), enqueues one async invocation whose client token is
 * `timer:NAME:<dueTimeMs>` (so a re-fire after a crash before the advance is
 * de-duplicated by the queue), then in one statement advances the next fire
 * from the due time and drops the lease.
 *
 * A due time reached more than `missedAfterMs` late was missed (the server was
 * down): it is skipped, or with `catchUp` fired once; either way the timer then
 * moves to its first due time after now.
 *
 * Tests drive `runDue()` after moving an injected clock; the server runs `start()`.
 */
export class TimerService {
  readonly ownerId: string;
  private readonly leaseMs: number;
  private readonly missedAfterMs: number;
  private readonly maxSleepMs: number;
  private readonly log: (line: string) => void;
  private running: Promise<number> = Promise.resolve(0);
  private loop: Promise<void> | null = null;
  private stopped = false;
  private sleeper: { timer: NodeJS.Timeout; resolve: () => void } | null = null;
  /** A wake() that came while the loop was not asleep: its next sleep is skipped. */
  private woken = false;

  constructor(private readonly deps: TimerServiceDeps) {
    this.ownerId = deps.ownerId ?? `${hostname()}:${process.pid}:${deps.ids.hex(4)}`;
    this.leaseMs = deps.leaseMs ?? 30_000;
    this.missedAfterMs = deps.missedAfterMs ?? 60_000;
    this.maxSleepMs = deps.maxSleepMs ?? 1000;
    this.log = deps.log ?? ((line) => process.stderr.write(`${line}\n`));
  }

  /**
   * Fires every timer due by the clock's now (and successors that fall due
   * meanwhile); resolves to how many invocations were enqueued. Calls never overlap.
   */
  runDue(): Promise<number> {
    const run = this.running.then(() => this.fireDue());
    this.running = run.catch(() => 0);
    return run;
  }

  /** Starts the real-time loop: fire what is due, sleep until the next due time (at most maxSleepMs). */
  start(): void {
    if (this.loop) return;
    this.stopped = false;
    this.loop = this.runLoop();
  }

  /** Cuts the current sleep short (timers were created or changed). */
  wake(): void {
    if (this.sleeper) this.sleeper.resolve();
    else this.woken = true;
  }

  /** Stops the loop and waits for a fire in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake();
    await this.loop;
    this.loop = null;
    await this.running;
  }

  private async runLoop(): Promise<void> {
    while (!this.stopped) {
      try {
        await this.runDue();
        const next = await this.deps.store.earliestFireAt();
        const now = this.deps.clock.now();
        // Still due after a run means leased elsewhere (or a failed enqueue): look again later.
        const delay =
          next === null || next <= now ? this.maxSleepMs : Math.min(next - now, this.maxSleepMs);
        await this.sleep(delay);
      } catch (e) {
        this.log(`nimbus: timers: ${describe(e)}`);
        await this.sleep(this.maxSleepMs);
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    if (this.stopped || this.woken) {
      this.woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.sleeper = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      // The loop alone must not keep the process alive.
      timer.unref();
      this.sleeper = { timer, resolve: done };
    });
  }

  private async fireDue(): Promise<number> {
    let fired = 0;
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const now = this.deps.clock.now();
      const due = await this.deps.store.listDue(now, DUE_BATCH);
      let progressed = false;
      for (const timer of due) {
        const outcome = await this.fireOne(timer, now);
        if (outcome === 'fired') fired++;
        if (outcome === 'fired' || outcome === 'skipped') progressed = true;
      }
      if (!progressed) break;
    }
    return fired;
  }

  private async fireOne(timer: TimerRecord, nowMs: number): Promise<Outcome> {
    const { store } = this.deps;
    const dueAtMs = timer.nextFireAtMs;
    if (dueAtMs === null) return 'lost';
    if (!(await store.claim(timer.name, dueAtMs, this.ownerId, nowMs + this.leaseMs, nowMs))) {
      return 'lost';
    }
    let nextFireAtMs: number | null;
    let fire: boolean;
    try {
      const schedule = parseSchedule(timer.schedule, timer.timeZone);
      const missed = nowMs - dueAtMs > this.missedAfterMs;
      fire = !missed || timer.catchUp;
      // From the due time, not from now: a late fire does not shift the chain.
      nextFireAtMs = schedule.next(dueAtMs, missed ? nowMs : dueAtMs);
    } catch (e) {
      // A stored schedule that no longer parses (it passed when saved): stop the timer.
      this.log(`nimbus: timer ${timer.name}: ${describe(e)}; it will not fire again`);
      fire = false;
      nextFireAtMs = null;
    }
    let fired = false;
    if (fire) {
      const enqueued = await this.enqueue(timer, dueAtMs);
      if (enqueued === null) return 'failed';
      fired = enqueued;
    }
    const done = await store.complete({
      name: timer.name,
      owner: this.ownerId,
      dueAtMs,
      nextFireAtMs,
      fired,
    });
    // Edited meanwhile: the edit set the next fire; only our lease is left to drop.
    if (!done) await store.release(timer.name, this.ownerId);
    return fired ? 'fired' : 'skipped';
  }

  /**
   * Enqueues the fire of `dueAtMs`. true: enqueued (or already, by an earlier
   * attempt); false: it can never be (no such function, refused as invalid), so
   * skip it; null: failed for now, the lease stays and the fire is retried once
   * it expires.
   */
  private async enqueue(timer: TimerRecord, dueAtMs: number): Promise<boolean | null> {
    const at = `timer ${timer.name}: fire due ${isoSeconds(dueAtMs)}`;
    try {
      const flavour = await this.deps.targets.flavourOf(timer.functionName, timer.qualifier);
      if (flavour === undefined) {
        const target = timer.qualifier
          ? `${timer.functionName}:${timer.qualifier}`
          : timer.functionName;
        this.log(`nimbus: ${at} skipped: function ${target} does not exist`);
        return false;
      }
      const payload = timerEvent(flavour, this.deps.arn, {
        timerName: timer.name,
        dueAtMs,
        payload: timer.payload,
        eventId: this.deps.ids.uuid(),
      });
      await this.deps.enqueuer.enqueue({
        functionName: timer.functionName,
        ...(timer.qualifier !== null ? { qualifier: timer.qualifier } : {}),
        payload,
        source: `timer:${timer.name}`,
        clientToken: `timer:${timer.name}:${dueAtMs}`,
      });
      return true;
    } catch (e) {
      if (isNimbusError(e) && e.kind === 'user') {
        this.log(`nimbus: ${at} skipped: ${e.code}: ${e.message}`);
        return false;
      }
      this.log(`nimbus: ${at} failed, retried in ${this.leaseMs} ms: ${describe(e)}`);
      return null;
    }
  }
}

function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
