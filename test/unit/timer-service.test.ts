import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import type { EnqueueRequest, EnqueueResult } from '../../src/invoke/async/types.js';
import type { Clock } from '../../src/shared/clock.js';
import { fail } from '../../src/shared/error-codes.js';
import type { IdGenerator } from '../../src/shared/ids.js';
import { openSqliteStore, type Store, type TimerStore } from '../../src/store/index.js';
import type { Flavour } from '../../src/store/types.js';
import {
  TimerManager,
  TimerService,
  type TimerServiceDeps,
  type TimerTargets,
} from '../../src/triggers/timer/index.js';

const T0 = Date.parse('2024-05-01T10:00:00Z');
const MIN = 60_000;
const arn = { region: 'eu-west-3', accountId: '123456789012' };

/** A clock the test moves by hand. */
class FakeClock implements Clock {
  constructor(public ms: number) {}
  now(): number {
    return this.ms;
  }
  monotonicMs(): number {
    return this.ms;
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}

/** Records every enqueue; de-duplicates client tokens as the real queue does. */
class FakeEnqueuer {
  calls: EnqueueRequest[] = [];
  events: EnqueueRequest[] = [];
  private tokens = new Map<string, string>();
  /** Set to make the next enqueue calls throw. */
  failWith: Error | null = null;
  async enqueue(req: EnqueueRequest): Promise<EnqueueResult> {
    this.calls.push(req);
    if (this.failWith) throw this.failWith;
    const seen = req.clientToken ? this.tokens.get(req.clientToken) : undefined;
    if (seen) return { requestId: seen, duplicate: true };
    const requestId = `req-${this.calls.length}`;
    if (req.clientToken) this.tokens.set(req.clientToken, requestId);
    this.events.push(req);
    return { requestId, duplicate: false };
  }
  /** The Scheduled Event / FC event of each durable event, parsed. */
  bodies(): Record<string, unknown>[] {
    return this.events.map((e) => JSON.parse(e.payload.toString('utf8')));
  }
}

const ids: IdGenerator = {
  uuid: () => '00000000-0000-4000-8000-000000000001',
  hex: (n) => 'ab'.repeat(n),
};

describe('timer service (injected clock, real SQLite store)', () => {
  let dir: string;
  let file: string;
  let stores: Store[];
  let clock: FakeClock;
  let queue: FakeEnqueuer;
  let functions: Map<string, Flavour>;
  let logLines: string[];
  const targets: TimerTargets = {
    flavourOf: async (name, qualifier) =>
      qualifier === 'missing' ? undefined : functions.get(name),
  };

  beforeEach(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'nimbus-timers-'));
    file = path.join(dir, 'nimbus.db');
    stores = [];
    clock = new FakeClock(T0);
    queue = new FakeEnqueuer();
    functions = new Map([
      ['hello', 'lambda'],
      ['fcfn', 'fc'],
    ]);
    logLines = [];
  });
  afterEach(async () => {
    for (const s of stores) await s.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Opens the store file (again): each open is its own connection, as another node's would be. */
  async function open(): Promise<Store> {
    const s = await openSqliteStore(file);
    stores.push(s);
    return s;
  }

  function service(store: TimerStore, extra: Partial<TimerServiceDeps> = {}): TimerService {
    return new TimerService({
      store,
      enqueuer: queue,
      targets,
      clock,
      ids,
      arn,
      log: (l) => logLines.push(l),
      ...extra,
    });
  }

  function manager(store: TimerStore): TimerManager {
    return new TimerManager({ store, targets, clock });
  }

  test('timer: each due time fires exactly once, advanced from the due time', async () => {
    const store = await open();
    await manager(store.timers).create({
      name: 'tick',
      functionName: 'hello',
      schedule: 'rate(1 minute)',
    });
    const svc = service(store.timers);
    assert.equal(await svc.runDue(), 0, 'nothing is due at creation');
    clock.advance(MIN - 1);
    assert.equal(await svc.runDue(), 0);
    clock.advance(1);
    assert.equal(await svc.runDue(), 1);
    assert.equal(await svc.runDue(), 0, 'the same due time never fires twice');
    // Late by 20 s (within the missed threshold): fired, and the chain keeps its phase.
    clock.advance(MIN + 20_000);
    assert.equal(await svc.runDue(), 1);
    const t = await store.timers.get('tick');
    assert.equal(t?.nextFireAtMs, T0 + 3 * MIN);
    assert.equal(t?.lastFireAtMs, T0 + 2 * MIN);
    assert.equal(t?.leaseOwner, null);
    assert.deepEqual(
      queue.events.map((e) => [e.functionName, e.source, e.clientToken]),
      [
        ['hello', 'timer:tick', `timer:tick:${T0 + MIN}`],
        ['hello', 'timer:tick', `timer:tick:${T0 + 2 * MIN}`],
      ],
    );
    assert.deepEqual(
      queue.bodies().map((b) => b.time),
      ['2024-05-01T10:01:00Z', '2024-05-01T10:02:00Z'],
      'time is the due time, not when it ran',
    );
  });

  test('timer: due times that pile up within the threshold each fire once, in order', async () => {
    const store = await open();
    await manager(store.timers).create({
      name: 'sec',
      functionName: 'hello',
      schedule: '*/10 * * * * *',
    });
    clock.advance(35_000);
    assert.equal(await service(store.timers).runDue(), 3);
    assert.deepEqual(
      queue.bodies().map((b) => b.time),
      ['2024-05-01T10:00:10Z', '2024-05-01T10:00:20Z', '2024-05-01T10:00:30Z'],
    );
  });

  test('lease: two services on one store never fire the same due time twice', async () => {
    const a = await open();
    const b = await open();
    const m = manager(a.timers);
    for (let i = 0; i < 5; i++) {
      await m.create({ name: `t${i}`, functionName: 'hello', schedule: 'rate(1 minute)' });
    }
    let lost = 0;
    // Counts claims that lost the compare-and-set, to show the nodes really raced.
    const counting = (t: TimerStore): TimerStore =>
      Object.assign(Object.create(t) as TimerStore, {
        claim: async (...args: Parameters<TimerStore['claim']>) => {
          const won = await t.claim(...args);
          if (!won) lost++;
          return won;
        },
      });
    const one = service(counting(a.timers), { ownerId: 'node-a' });
    const two = service(counting(b.timers), { ownerId: 'node-b' });
    for (let step = 0; step < 3; step++) {
      clock.advance(MIN);
      const fired = await Promise.all([one.runDue(), two.runDue(), one.runDue(), two.runDue()]);
      assert.equal(
        fired.reduce((a, b) => a + b, 0),
        5,
        'every timer fired once, by one node',
      );
    }
    assert.equal(queue.calls.length, 15, 'five timers × three due times, each enqueued once');
    assert.equal(new Set(queue.calls.map((c) => c.clientToken)).size, 15);
    assert.ok(lost > 0, 'both nodes went for the same due times');
  });

  test('lease: a fire in progress on one node is not taken by another', async () => {
    const a = await open();
    const b = await open();
    await manager(a.timers).create({
      name: 'slow',
      functionName: 'hello',
      schedule: 'rate(1 minute)',
    });
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    const slowQueue = {
      enqueue: async (req: EnqueueRequest) => {
        await gate;
        return queue.enqueue(req);
      },
    };
    const one = service(a.timers, { ownerId: 'node-a', enqueuer: slowQueue });
    const two = service(b.timers, { ownerId: 'node-b' });
    clock.advance(MIN);
    const firing = one.runDue();
    // Let node A claim before node B looks.
    while ((await b.timers.get('slow'))?.leaseOwner !== 'node-a')
      await new Promise((r) => setImmediate(r));
    assert.equal(await two.runDue(), 0, 'node B sees the lease');
    release();
    assert.equal(await firing, 1);
    assert.equal(await two.runDue(), 0, 'and after it, the advanced due time');
    assert.equal(queue.calls.length, 1);
  });

  test('crash between enqueue and advance: after the lease expires another node re-fires with the same token, de-duplicated', async () => {
    const a = await open();
    const b = await open();
    await manager(a.timers).create({
      name: 'crashy',
      functionName: 'hello',
      schedule: 'rate(5 minutes)',
    });
    // Node A dies right after its enqueue: its advance never happens.
    const dying: TimerStore = Object.assign(Object.create(a.timers) as TimerStore, {
      complete: async () => {
        throw new Error('process killed');
      },
    });
    const one = service(dying, { ownerId: 'node-a', leaseMs: 30_000 });
    const two = service(b.timers, { ownerId: 'node-b', leaseMs: 30_000 });
    clock.advance(5 * MIN);
    await assert.rejects(one.runDue(), /process killed/);
    assert.equal(queue.events.length, 1);
    clock.advance(10_000);
    assert.equal(await two.runDue(), 0, 'lease still held by the dead node');
    clock.advance(20_000);
    assert.equal(await two.runDue(), 1, 'taken over once the lease expired');
    assert.equal(queue.calls.length, 2);
    assert.equal(queue.calls[0]?.clientToken, queue.calls[1]?.clientToken);
    assert.equal(queue.events.length, 1, 'the queue saw the token and kept one event');
    assert.equal((await b.timers.get('crashy'))?.nextFireAtMs, T0 + 10 * MIN);
  });

  test('restart: a new service on the same SQLite file neither re-fires nor loses a due time', async () => {
    let store = await open();
    await manager(store.timers).create({
      name: 'daily',
      functionName: 'hello',
      schedule: 'cron(0 10 * * ? *)',
    });
    clock.ms = Date.parse('2024-05-02T10:00:00Z');
    assert.equal(await service(store.timers).runDue(), 1);
    await store.close();
    stores = [];

    store = await open();
    assert.equal(await service(store.timers).runDue(), 0, 'the fired due time is not fired again');
    await store.close();
    stores = [];

    // Down across the next due time, back 30 s after it (within the missed threshold).
    clock.ms = Date.parse('2024-05-03T10:00:30Z');
    store = await open();
    assert.equal(
      await service(store.timers).runDue(),
      1,
      'the due time passed while down still fires',
    );
    assert.deepEqual(
      queue.bodies().map((b) => b.time),
      ['2024-05-02T10:00:00Z', '2024-05-03T10:00:00Z'],
    );
  });

  test('downtime: missed fires are skipped by default; the timer resumes at the first due time after now', async () => {
    const store = await open();
    await manager(store.timers).create({
      name: 'skip',
      functionName: 'hello',
      schedule: 'rate(1 minute)',
    });
    clock.advance(10 * MIN + 30_000);
    const svc = service(store.timers);
    assert.equal(await svc.runDue(), 0);
    assert.equal((await store.timers.get('skip'))?.nextFireAtMs, T0 + 11 * MIN);
    clock.ms = T0 + 11 * MIN;
    assert.equal(await svc.runDue(), 1);
  });

  test('downtime: with catchUp, missed fires are caught up once, then skipped to the future', async () => {
    const store = await open();
    await manager(store.timers).create({
      name: 'catch',
      functionName: 'hello',
      schedule: 'rate(1 minute)',
      catchUp: true,
    });
    clock.advance(10 * MIN + 30_000);
    const svc = service(store.timers);
    assert.equal(await svc.runDue(), 1);
    assert.equal(await svc.runDue(), 0);
    assert.deepEqual(
      queue.bodies().map((b) => b.time),
      ['2024-05-01T10:01:00Z'],
      'the first missed due time',
    );
    assert.equal((await store.timers.get('catch'))?.nextFireAtMs, T0 + 11 * MIN);
  });

  test('pause and resume: a paused timer does not fire; resuming skips what was missed', async () => {
    const store = await open();
    const m = manager(store.timers);
    await m.create({ name: 'pp', functionName: 'hello', schedule: 'rate(5 minutes)' });
    const svc = service(store.timers);
    await m.update('pp', { enabled: false });
    clock.advance(12 * MIN);
    assert.equal(await svc.runDue(), 0);
    const resumed = await m.update('pp', { enabled: true });
    assert.equal(resumed.nextFireAtMs, T0 + 15 * MIN, 'the chain continues after now');
    clock.ms = T0 + 15 * MIN;
    assert.equal(await svc.runDue(), 1);
  });

  test('edit: a new schedule restarts from now; other edits keep the next fire; paused stays paused', async () => {
    const store = await open();
    const m = manager(store.timers);
    await m.create({ name: 'ed', functionName: 'hello', schedule: 'rate(5 minutes)' });
    clock.advance(2 * MIN);
    const t = await m.update('ed', { schedule: 'cron(0 12 * * ? *)', timeZone: 'Europe/Paris' });
    // 12:00 in Paris (CEST) is 10:00Z, already past today at 10:02Z.
    assert.equal(t.nextFireAtMs, Date.parse('2024-05-02T10:00:00Z'));
    const paused = await m.update('ed', { enabled: false, payload: '{"a":1}' });
    assert.equal(paused.nextFireAtMs, t.nextFireAtMs);
    assert.equal(paused.enabled, false);
    const moved = await m.update('ed', { schedule: 'rate(1 hour)' });
    assert.equal(moved.enabled, false);
    assert.equal(moved.nextFireAtMs, clock.ms + 60 * MIN);
    clock.advance(61 * MIN);
    assert.equal(await service(store.timers).runDue(), 0);
  });

  test('payload: Lambda flavour gets the EventBridge Scheduled Event, detail from the static payload', async () => {
    const store = await open();
    const m = manager(store.timers);
    await m.create({
      name: 'with-detail',
      functionName: 'hello',
      schedule: 'rate(1 minute)',
      payload: '{"job":"sync","n":2}',
    });
    await m.create({
      name: 'plain',
      functionName: 'hello',
      qualifier: 'live',
      schedule: 'rate(1 minute)',
    });
    clock.advance(MIN);
    assert.equal(await service(store.timers).runDue(), 2);
    const [plain, withDetail] = queue.bodies();
    assert.deepEqual(withDetail, {
      version: '0',
      id: '00000000-0000-4000-8000-000000000001',
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: '123456789012',
      time: '2024-05-01T10:01:00Z',
      region: 'eu-west-3',
      resources: ['arn:aws:events:eu-west-3:123456789012:rule/with-detail'],
      detail: { job: 'sync', n: 2 },
    });
    assert.deepEqual(plain?.detail, {});
    assert.deepEqual(plain?.resources, ['arn:aws:events:eu-west-3:123456789012:rule/plain']);
    assert.equal(queue.events[0]?.qualifier, 'live');
    assert.equal(queue.events[1]?.qualifier, undefined);
  });

  test('payload: Function Compute flavour gets {triggerTime, triggerName, payload}', async () => {
    const store = await open();
    const m = manager(store.timers);
    await m.create({
      name: 'fc-timer',
      functionName: 'fcfn',
      schedule: 'rate(1 minute)',
      payload: 'any text',
    });
    await m.create({ name: 'fc-empty', functionName: 'fcfn', schedule: 'rate(1 minute)' });
    clock.advance(MIN);
    assert.equal(await service(store.timers).runDue(), 2);
    assert.deepEqual(queue.bodies(), [
      { triggerTime: '2024-05-01T10:01:00Z', triggerName: 'fc-empty', payload: '' },
      { triggerTime: '2024-05-01T10:01:00Z', triggerName: 'fc-timer', payload: 'any text' },
    ]);
  });

  test('failures: a deleted function skips the fire; a failed enqueue is retried after the lease', async () => {
    const store = await open();
    const m = manager(store.timers);
    await m.create({ name: 'gone', functionName: 'hello', schedule: 'rate(1 minute)' });
    await m.create({ name: 'flaky', functionName: 'fcfn', schedule: 'rate(1 minute)' });
    functions.delete('hello');
    queue.failWith = new Error('disk full');
    const svc = service(store.timers, { leaseMs: 10_000 });
    clock.advance(MIN);
    assert.equal(await svc.runDue(), 0);
    assert.equal((await store.timers.get('gone'))?.nextFireAtMs, T0 + 2 * MIN, 'skipped, moved on');
    assert.equal((await store.timers.get('flaky'))?.nextFireAtMs, T0 + MIN, 'kept for a retry');
    assert.match(
      logLines.join('\n'),
      /timer gone: fire due 2024-05-01T10:01:00Z skipped: function hello does not exist/,
    );
    assert.match(logLines.join('\n'), /timer flaky: .* failed, retried in 10000 ms: disk full/);
    queue.failWith = null;
    clock.advance(5_000);
    assert.equal(await svc.runDue(), 0, 'the lease still holds');
    clock.advance(5_000);
    assert.equal(await svc.runDue(), 1);
    assert.equal(queue.bodies()[0]?.triggerTime, '2024-05-01T10:01:00Z');
  });

  test('failures: an enqueue refused as the user’s fault (e.g. payload too large) is skipped', async () => {
    const store = await open();
    await manager(store.timers).create({
      name: 'big',
      functionName: 'hello',
      schedule: 'rate(1 minute)',
    });
    queue.failWith = fail('RequestTooLargeException', 'too big');
    clock.advance(MIN);
    assert.equal(await service(store.timers).runDue(), 0);
    assert.equal((await store.timers.get('big'))?.nextFireAtMs, T0 + 2 * MIN);
    assert.match(logLines.join('\n'), /skipped: RequestTooLargeException: too big/);
  });

  test('a schedule that runs out stops the timer', async () => {
    const store = await open();
    await manager(store.timers).create({
      name: 'once',
      functionName: 'hello',
      schedule: 'cron(0 12 1 5 ? 2024)',
    });
    clock.ms = Date.parse('2024-05-01T12:00:00Z');
    const svc = service(store.timers);
    assert.equal(await svc.runDue(), 1);
    assert.equal((await store.timers.get('once'))?.nextFireAtMs, null);
    clock.ms = Date.parse('2025-05-01T12:00:00Z');
    assert.equal(await svc.runDue(), 0);
  });

  test('loop: start() fires on time, wake() cuts the sleep short, stop() waits', async () => {
    const store = await open();
    const real: Clock = { now: () => Date.now(), monotonicMs: () => performance.now() };
    // Without timers the loop would sleep 10 s: only wake() makes it see the new one in time.
    const svc = service(store.timers, { clock: real, maxSleepMs: 10_000 });
    const m = new TimerManager({
      store: store.timers,
      targets,
      clock: real,
      onChange: () => svc.wake(),
    });
    svc.start();
    await m.create({ name: 'fast', functionName: 'hello', schedule: '* * * * * *' });
    const until = Date.now() + 3000;
    while (queue.events.length === 0 && Date.now() < until)
      await new Promise((r) => setTimeout(r, 20));
    await svc.stop();
    assert.ok(queue.events.length >= 1, 'fired within about a second');
  });
});
