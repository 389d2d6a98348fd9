import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { openSqliteStore } from '../../src/store/index.js';

test('provisioned store: put replaces per (function, qualifier), lists by function, survives reopening', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'nimbus-store-provisioned-'));
  const file = path.join(dir, 'nimbus.db');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  let store = await openSqliteStore(file);
  await store.provisioned.put({
    functionName: 'a',
    qualifier: 'live',
    requested: 2,
    lastModifiedMs: 1,
  });
  await store.provisioned.put({
    functionName: 'a',
    qualifier: '1',
    requested: 1,
    lastModifiedMs: 2,
  });
  await store.provisioned.put({
    functionName: 'b',
    qualifier: '3',
    requested: 5,
    lastModifiedMs: 3,
  });
  await store.provisioned.put({
    functionName: 'a',
    qualifier: 'live',
    requested: 4,
    lastModifiedMs: 9,
  });
  assert.deepEqual(await store.provisioned.get('a', 'live'), {
    functionName: 'a',
    qualifier: 'live',
    requested: 4,
    lastModifiedMs: 9,
  });
  assert.deepEqual(
    (await store.provisioned.list('a')).map((c) => c.qualifier),
    ['1', 'live'],
  );
  await store.close();
  store = await openSqliteStore(file);
  assert.equal((await store.provisioned.list()).length, 3, 'durable across a reopen');
  assert.equal(await store.provisioned.delete('a', '1'), true);
  assert.equal(await store.provisioned.delete('a', '1'), false);
  await store.provisioned.deleteAllFor('a');
  assert.deepEqual(
    (await store.provisioned.list()).map((c) => `${c.functionName}:${c.qualifier}`),
    ['b:3'],
  );
  assert.equal(await store.provisioned.get('a', 'live'), undefined);
  await store.close();
});
