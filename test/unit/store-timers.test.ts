import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { openSqliteStore, type TimerRecord } from '../../src/store/index.js';

const base: TimerRecord = {
  name: 't1',
  functionName: 'fn',
  qualifier: null,
  schedule: 'rate(1 minute)',
  timeZone: null,
  payload: null,
  enabled: true,
  catchUp: false,
  nextFireAtMs: 1000,
  lastFireAtMs: null,
  leaseOwner: null,
  leaseUntilMs: null,
  createdAtMs: 1,
  updatedAtMs: 1,
};

test('timer store: claim and complete are compare-and-set on owner, due time and lease expiry', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'nimbus-store-timers-'));
  const store = await openSqliteStore(path.join(dir, 'nimbus.db'));
  t.after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const timers = store.timers;
  await timers.create(base);
  await timers.create({ ...base, name: 't0', functionName: 'other', nextFireAtMs: 500 });
  await assert.rejects(timers.create(base), /Timer already exists: t1/);
  assert.deepEqual(await timers.get('t1'), base);
  assert.deepEqual(
    (await timers.list({ functionName: 'fn' })).map((x) => x.name),
    ['t1'],
  );
  assert.deepEqual(
    (await timers.listDue(1000, 10)).map((x) => x.name),
    ['t0', 't1'],
    'earliest first',
  );
  assert.equal(await timers.earliestFireAt(), 500);

  assert.equal(await timers.claim('t1', 999, 'a', 5000, 1000), false, 'wrong due time');
  assert.equal(await timers.claim('t1', 1000, 'a', 5000, 1000), true);
  assert.equal(await timers.claim('t1', 1000, 'b', 6000, 4999), false, 'lease held');
  assert.deepEqual(
    (await timers.listDue(4999, 10)).map((x) => x.name),
    ['t0'],
    'a leased timer is not listed as due',
  );
  assert.equal(
    await timers.complete({
      name: 't1',
      owner: 'b',
      dueAtMs: 1000,
      nextFireAtMs: 61_000,
      fired: true,
    }),
    false,
    'not the owner',
  );
  assert.equal(await timers.claim('t1', 1000, 'b', 9000, 5000), true, 'expired lease taken over');
  assert.equal(
    await timers.complete({
      name: 't1',
      owner: 'a',
      dueAtMs: 1000,
      nextFireAtMs: 61_000,
      fired: true,
    }),
    false,
    'the old owner lost it',
  );
  assert.equal(
    await timers.complete({
      name: 't1',
      owner: 'b',
      dueAtMs: 1000,
      nextFireAtMs: 61_000,
      fired: true,
    }),
    true,
  );
  const done = await timers.get('t1');
  assert.equal(done?.nextFireAtMs, 61_000);
  assert.equal(done?.lastFireAtMs, 1000);
  assert.equal(done?.leaseOwner, null);
  assert.equal(done?.leaseUntilMs, null);

  // Edits never touch the lease; a paused timer cannot be claimed.
  assert.equal(await timers.claim('t1', 61_000, 'c', 99_000, 61_000), true);
  const paused = await timers.update('t1', { enabled: false, payload: '{}', updatedAtMs: 2 });
  assert.equal(paused?.leaseOwner, 'c');
  assert.equal(paused?.payload, '{}');
  await timers.release('t1', 'c');
  assert.equal((await timers.get('t1'))?.leaseOwner, null);
  assert.equal(await timers.claim('t1', 61_000, 'c', 99_000, 61_000), false, 'paused');
  assert.equal(await timers.update('nope', { enabled: true, updatedAtMs: 3 }), undefined);
  assert.equal(await timers.delete('t1'), true);
  assert.equal(await timers.delete('t1'), false);
});
