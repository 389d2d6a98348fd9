import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type Instance, type PoolTarget, Scheduler } from '../../src/scheduler/index.js';
import type { FunctionRecord } from '../../src/store/types.js';
import { movableClock } from '../helpers/clock.js';

/** The parts of an Instance the scheduler touches. */
interface FakeInstance {
  opts: { poolKey: string; functionName: string };
  state: 'starting' | 'idle' | 'busy' | 'dead';
  killed: boolean;
  lastUsedMs: number;
  startType: 'on-demand' | 'provisioned';
  stopped: boolean;
  stop(): void;
  usageBytes(): number;
}

function setup(o: { maxConcurrency?: number } = {}) {
  const { clock, advance } = movableClock();
  const made: FakeInstance[] = [];
  let scheduler: Scheduler;
  scheduler = new Scheduler({
    clock,
    maxConcurrency: o.maxConcurrency ?? 1000,
    functionMaxConcurrency: 1000,
    idleTtlMs: 60_000,
    createInstance: (target, type) => {
      const inst: FakeInstance = {
        opts: { poolKey: target.poolKey, functionName: target.functionName },
        state: 'starting',
        killed: false,
        lastUsedMs: clock.monotonicMs(),
        startType: type === 'provisioned-concurrency' ? 'provisioned' : 'on-demand',
        stopped: false,
        stop() {
          this.stopped = true;
          this.state = 'dead';
          // As a real instance does once its process is gone.
          scheduler.forget(this as unknown as Instance);
        },
        usageBytes: () => 0,
      };
      made.push(inst);
      // A test double: the scheduler only uses the fields above.
      return inst as unknown as Instance;
    },
  });
  const target = (name: string, revision = 'r1'): PoolTarget => ({
    poolKey: `${name}:$LATEST:${revision}`,
    functionName: name,
    reservedConcurrency: null,
    // Not read by the scheduler itself (createInstance gets it).
    fn: {} as FunctionRecord,
  });
  /** One invocation: acquire, the instance is (or becomes) idle, release. */
  const run = (t: PoolTarget) => {
    const lease = scheduler.acquire(t);
    const inst = lease.instance as unknown as FakeInstance;
    inst.state = 'idle';
    scheduler.release(t, lease.instance);
    return { inst, cold: lease.cold };
  };
  return { scheduler, made, target, run, advance };
}

describe('scheduler: pools at scale', () => {
  test('instanceCount is per function, across its pools (revisions), and drops as instances die', () => {
    const { scheduler, target, run } = setup();
    for (let i = 0; i < 300; i++) run(target(`fn${i}`));
    const a1 = target('a', 'r1');
    const a2 = target('a', 'r2');
    // Two concurrent invocations of a → two instances; then one more of a new revision.
    const l1 = scheduler.acquire(a1);
    const l2 = scheduler.acquire(a1);
    const l3 = scheduler.acquire(a2);
    assert.equal(scheduler.instanceCount('a'), 3);
    assert.equal(scheduler.instanceCount('fn7'), 1);
    assert.equal(scheduler.instanceCount('nobody'), 0);
    // The function's old revision retires: its instances go as their invocations end.
    scheduler.retire('a:$LATEST:', a2.poolKey);
    for (const [t, l] of [
      [a1, l1],
      [a1, l2],
      [a2, l3],
    ] as const) {
      (l.instance as unknown as FakeInstance).state = 'idle';
      scheduler.release(t, l.instance);
    }
    assert.equal(scheduler.instanceCount('a'), 1);
    assert.equal(scheduler.stats().instances, 301);
  });

  test('at the concurrency limit a cold start stops the least recently used idle instance', () => {
    const { scheduler, target, run, advance } = setup({ maxConcurrency: 3 });
    const first = run(target('x')).inst;
    advance(10);
    run(target('y'));
    advance(10);
    run(target('z'));
    assert.equal(scheduler.stats().instances, 3);
    // Warm: no instance is stopped for it.
    assert.equal(run(target('y')).cold, false);
    assert.equal(first.stopped, false);
    // A fourth function needs room: x's instance was used longest ago.
    first.lastUsedMs = 0;
    assert.equal(run(target('w')).cold, true);
    assert.equal(first.stopped, true);
    assert.equal(scheduler.stats().instances, 3);
    assert.equal(scheduler.instanceCount('x'), 0);
  });
});
