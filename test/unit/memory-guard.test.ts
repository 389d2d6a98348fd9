import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type Instance,
  MemoryGuard,
  type PoolTarget,
  Scheduler,
} from '../../src/scheduler/index.js';
import type { FunctionRecord } from '../../src/store/types.js';
import { movableClock } from '../helpers/clock.js';

const MB = 1024 * 1024;

/** What the scheduler and the guard touch of an instance; `stopped` records who was stopped. */
interface Fake {
  id: string;
  opts: { poolKey: string; functionName: string };
  state: string;
  killed: boolean;
  lastUsedMs: number;
  startType: string;
  usageBytes(): number;
  stop(): void;
}

function fakeInstance(poolKey: string, stopped: string[]): Fake {
  return {
    id: poolKey,
    opts: { poolKey, functionName: poolKey.split(':')[0] ?? '' },
    state: 'starting' as string,
    killed: false,
    lastUsedMs: 0,
    startType: 'cold' as string,
    usageBytes: () => 64 * MB,
    stop() {
      this.state = 'dead';
      stopped.push(this.id);
    },
  };
}

/** The scheduler only uses the members a Fake has. */
const asInstance = (f: Fake) => f as unknown as Instance;
const fakeOf = (i: Instance) => i as unknown as Fake;

function target(name: string): PoolTarget {
  // The scheduler reads only poolKey, functionName and reservedConcurrency of a target here.
  return {
    poolKey: `${name}:$LATEST:r1`,
    functionName: name,
    reservedConcurrency: null,
    fn: {} as FunctionRecord,
  };
}

function setup(availableMb: () => number) {
  const stopped: string[] = [];
  const { clock } = movableClock();
  const scheduler = new Scheduler({
    clock,
    maxConcurrency: 64,
    functionMaxConcurrency: 64,
    idleTtlMs: 600_000,
    createInstance: (t) => asInstance(fakeInstance(t.poolKey, stopped)),
  });
  let drained = 0;
  const guard = new MemoryGuard({
    reserveMb: 1000,
    readAvailableMb: availableMb,
    reap: (bytes) => scheduler.reapForMemory(bytes),
    drainPool: () => {
      drained++;
      return 0;
    },
  });
  /** An instance that ran one invocation and is idle since `lastUsedMs`. */
  const idle = (name: string, lastUsedMs: number) => {
    const t = target(name);
    const { instance } = scheduler.acquire(t);
    fakeOf(instance).state = 'idle';
    fakeOf(instance).lastUsedMs = lastUsedMs;
    scheduler.release(t, instance);
    return fakeOf(instance);
  };
  /** A started provisioned instance, idle since `lastUsedMs`. */
  const provisioned = (name: string, lastUsedMs: number) => {
    const f = fakeOf(scheduler.createProvisioned(target(name)));
    f.state = 'idle';
    f.startType = 'provisioned';
    f.lastUsedMs = lastUsedMs;
    scheduler.offerProvisioned(asInstance(f));
    return f;
  };
  return { scheduler, guard, stopped, idle, provisioned, drained: () => drained };
}

test('memory pressure: idle instances are reaped least recently used first, busy and provisioned ones kept', () => {
  let available = 2000;
  const { scheduler, guard, stopped, idle, provisioned, drained } = setup(() => available);
  const old = idle('old', 10);
  const middle = idle('middle', 20);
  const recent = idle('recent', 30);
  const busyTarget = target('busy');
  const busy = fakeOf(scheduler.acquire(busyTarget).instance);
  busy.state = 'busy';
  const prov = provisioned('prov', 0);

  // Enough memory: nothing happens.
  assert.equal(guard.check(), 0);
  assert.equal(guard.lowMemory(), false);
  assert.equal(stopped.length, 0);

  // 100 MB short, 64 MB per instance: the two least recently used idle ones go.
  available = 900;
  assert.equal(guard.check(), 2);
  assert.equal(guard.lowMemory(), true);
  assert.equal(drained(), 1, 'the prewarm pool is drained first');
  assert.deepEqual(stopped, [old.id, middle.id]);

  // Much shorter: every idle on-demand one, then the provisioned one; the busy one never.
  available = 100;
  guard.check();
  assert.deepEqual(stopped, [old.id, middle.id, recent.id, prov.id]);
  assert.notEqual(busy.state, 'dead');
  assert.ok(!stopped.includes(busy.id));
});

test('memory pressure: a provisioned instance stays while an on-demand idle one can go', () => {
  let available = 950;
  const { guard, stopped, idle, provisioned } = setup(() => available);
  provisioned('prov', 0);
  const onDemand = idle('fresh', 1_000_000);
  guard.check();
  assert.deepEqual(
    stopped,
    [onDemand.id],
    'the newer on-demand instance went, not the provisioned one',
  );
  available = 5000;
  guard.check();
  assert.equal(guard.lowMemory(), false);
});

test('memory pressure: reserve 0 turns the guard off', () => {
  const guard = new MemoryGuard({ reserveMb: 0, readAvailableMb: () => 1, reap: () => 99 });
  assert.equal(guard.check(), 0);
  assert.equal(guard.lowMemory(), false);
});
