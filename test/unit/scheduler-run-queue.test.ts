import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type Instance, type PoolTarget, RunQueue, Scheduler } from '../../src/scheduler/index.js';
import type { FunctionRecord } from '../../src/store/types.js';
import { movableClock } from '../helpers/clock.js';

interface Fake {
  opts: { poolKey: string; functionName: string };
  state: 'starting' | 'idle' | 'busy' | 'dead';
  killed: boolean;
  lastUsedMs: number;
  startType: string;
  stop(): void;
  usageBytes(): number;
}

function setup(o: { runSlots: number; maxConcurrency?: number; reserved?: number | null }) {
  const { clock, advance } = movableClock();
  const made: Fake[] = [];
  const scheduler: Scheduler = new Scheduler({
    clock,
    maxConcurrency: o.maxConcurrency ?? 100,
    functionMaxConcurrency: 100,
    idleTtlMs: 60_000,
    runSlots: o.runSlots,
    createInstance: (t) => {
      const inst: Fake = {
        opts: { poolKey: t.poolKey, functionName: t.functionName },
        state: 'starting',
        killed: false,
        lastUsedMs: 0,
        startType: 'cold',
        stop() {
          this.state = 'dead';
          scheduler.forget(this as unknown as Instance);
        },
        usageBytes: () => 0,
      };
      made.push(inst);
      // A test double: the scheduler only touches the fields above.
      return inst as unknown as Instance;
    },
  });
  const target: PoolTarget = {
    poolKey: 'f:$LATEST:r1',
    functionName: 'f',
    reservedConcurrency: o.reserved ?? null,
    fn: {} as FunctionRecord, // not read by the scheduler
  };
  const busy = (l: { instance: Instance }) => {
    (l.instance as unknown as Fake).state = 'busy';
    return l;
  };
  const finish = (l: { instance: Instance }) => {
    (l.instance as unknown as Fake).state = 'idle';
    scheduler.release(target, l.instance);
  };
  return { scheduler, made, target, busy, finish, advance };
}

describe('scheduler: run slots (wait for a busy instance instead of a cold start)', () => {
  test('below the run slots every concurrent invocation gets its own instance at once', () => {
    const { scheduler, made, target } = setup({ runSlots: 4 });
    const leases = [1, 2, 3, 4].map(() => scheduler.place(target, 3000));
    assert.ok(leases.every((l) => !(l instanceof Promise)));
    assert.equal(made.length, 4);
  });

  test('past the run slots an invocation waits and gets the next released instance, with its queue time', async () => {
    const { scheduler, made, target, busy, finish, advance } = setup({ runSlots: 2 });
    const running = [scheduler.place(target, 3000), scheduler.place(target, 3000)].map((l) =>
      busy(l as { instance: Instance }),
    );
    const waiting = scheduler.place(target, 3000);
    assert.ok(waiting instanceof Promise, 'the third waits');
    assert.equal(made.length, 2, 'no third instance');
    assert.equal(
      scheduler.stats().busy,
      2,
      'a waiting invocation is not yet a concurrent execution',
    );
    advance(7);
    const first = running[0];
    assert.ok(first);
    finish(first);
    const lease = await waiting;
    assert.equal(lease.instance, first.instance, 'handed the instance that was released');
    assert.equal(lease.cold, false);
    assert.ok((lease.queuedMs ?? 0) >= 7, `queued ${lease.queuedMs} ms`);
    assert.equal(scheduler.stats().busy, 2);
  });

  test('a waiter whose budget runs out starts an instance of its own', async () => {
    const { scheduler, made, target, busy } = setup({ runSlots: 2 });
    busy(scheduler.place(target, 30) as { instance: Instance });
    busy(scheduler.place(target, 30) as { instance: Instance });
    const waiting = scheduler.place(target, 30); // budget ≤ the function's timeout
    assert.ok(waiting instanceof Promise);
    const lease = await waiting;
    assert.equal(lease.cold, true);
    assert.equal(made.length, 3);
  });

  test('an instance that dies wakes a waiter to start one at once', async () => {
    const { scheduler, made, target, busy } = setup({ runSlots: 1 });
    const a = busy(scheduler.place(target, 60_000) as { instance: Instance });
    const waiting = scheduler.place(target, 60_000);
    assert.ok(waiting instanceof Promise);
    (a.instance as unknown as Fake).stop();
    const lease = await waiting;
    assert.equal(lease.cold, true);
    assert.equal(made.length, 2);
  });

  test('waiting never turns into a 429 below the limits, and the limits still throttle', async () => {
    const { scheduler, target, busy, finish } = setup({ runSlots: 1, reserved: 1 });
    const a = busy(scheduler.place(target, 3000) as { instance: Instance });
    const waiting = scheduler.place(target, 3000);
    assert.ok(waiting instanceof Promise, 'waits rather than throttles');
    finish(a);
    busy(await waiting);
    // Now one runs and nothing is waiting: a second one at reserved concurrency 1 is throttled
    // once it gives up waiting (the limit is reached).
    await assert.rejects(
      Promise.resolve(scheduler.place(target, 20)),
      (e: Error & { code?: string }) => e.code === 'TooManyRequestsException',
    );
  });

  test('a long-running function starts new instances rather than queueing behind them', () => {
    const q = new RunQueue(2, movableClock().clock);
    q.observe('p', 30, true); // a cold start: 30 ms
    for (let i = 0; i < 5; i++) q.observe('p', 5000, false); // warm runs: 5 s each
    const load = { running: 3, busyInPool: 2, startingInPool: 0, timeoutMs: 900_000 };
    assert.equal(q.waitBudgetMs('p', load), null);
    q.observe('q', 30, true);
    q.observe('q', 0.2, false);
    assert.equal(q.waitBudgetMs('q', load), 2000, 'a 0.2 ms function waits (up to 2 s)');
  });
});
