import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  type CodeInfo,
  desiredResources,
  formatPlan,
  isNoop,
  type Manifest,
  planChanges,
  type Resource,
} from '../../src/manifest/index.js';

const manifest: Manifest = {
  project: 'shop',
  functions: {
    api: {
      code: './api',
      memoryMb: 256,
      routes: ['GET /items', { route: 'POST /items', auth: 'key' }],
    },
    worker: {
      code: './worker',
      timers: { nightly: { schedule: 'rate(1 day)' } },
      queues: [{ queue: 'jobs', batchSize: 5 }],
    },
  },
  queues: { jobs: null },
};
const code = new Map<string, CodeInfo>([
  ['api', { sha256: 'A1', sizeBytes: 10 }],
  ['worker', { sha256: 'W1', sizeBytes: 10 }],
]);
const functions = new Set(Object.keys(manifest.functions));

/** The server as if the manifest had been applied: same resources, owned. */
function applied(m = manifest, c = code): Resource[] {
  return desiredResources(m, c).map((r) => ({ ...r, owned: true, spec: { ...r.spec } }));
}

const summary = (changes: { action: string; kind: string; key: string }[]) =>
  changes.map((c) => `${c.action} ${c.kind} ${c.key}`);

describe('manifest: planner', () => {
  test('an empty server: everything is created, queues before functions before triggers', () => {
    const plan = planChanges(desiredResources(manifest, code), [], { prune: false, functions });
    assert.deepEqual(summary(plan.changes), [
      'create queue jobs',
      'create function api',
      'create function worker',
      'create route GET /items',
      'create route POST /items',
      'create timer nightly',
      'create mapping jobs → worker',
    ]);
  });

  test('the same state again: nothing to do', () => {
    const plan = planChanges(desiredResources(manifest, code), applied(), {
      prune: false,
      functions,
    });
    assert.ok(isNoop(plan));
    assert.match(formatPlan(plan), /^0 to create, 0 to update, 0 to delete, 7 unchanged$/m);
  });

  test('one changed function: only it is updated, with the fields that differ', () => {
    const changed: Manifest = {
      ...manifest,
      functions: { ...manifest.functions, api: { ...manifest.functions.api!, memoryMb: 512 } },
    };
    const newCode = new Map(code).set('api', { sha256: 'A2', sizeBytes: 11 });
    const plan = planChanges(desiredResources(changed, newCode), applied(), {
      prune: false,
      functions,
    });
    const updates = plan.changes.filter((c) => c.action !== 'unchanged');
    assert.deepEqual(summary(updates), ['update function api']);
    assert.deepEqual(updates[0]?.fields, ['memoryMb', 'codeSha256']);
    assert.match(formatPlan(plan), /~ function +api +memoryMb 256 → 512, code/);
  });

  test('defaults compare equal to what the server reports', () => {
    const current = applied();
    const fn = current.find((r) => r.kind === 'function' && r.key === 'worker');
    assert.equal(fn?.spec.memoryMb, 128);
    assert.equal(fn?.spec.timeoutS, 3);
    assert.deepEqual(fn?.spec.env, {});
  });

  test('removed triggers are kept without --prune and deleted with it, triggers before queues', () => {
    const smaller: Manifest = {
      project: 'shop',
      functions: { api: { code: './api', memoryMb: 256, routes: ['GET /items'] } },
    };
    const small = new Map(code);
    const opts = { functions: new Set(['api']) };
    const kept = planChanges(desiredResources(smaller, small), applied(), {
      ...opts,
      prune: false,
    });
    assert.deepEqual(summary(kept.changes.filter((c) => c.action !== 'unchanged')), [
      'kept mapping jobs → worker',
      'kept timer nightly',
      'kept route POST /items',
      'kept function worker',
      'kept queue jobs',
    ]);
    assert.match(
      formatPlan(kept),
      /! timer +nightly +not in the manifest \(kept; --prune deletes it\)/,
    );
    const pruned = planChanges(desiredResources(smaller, small), applied(), {
      ...opts,
      prune: true,
    });
    assert.deepEqual(summary(pruned.changes.filter((c) => c.action !== 'unchanged')), [
      'delete mapping jobs → worker',
      'delete timer nightly',
      'delete route POST /items',
      'delete function worker',
      'delete queue jobs',
    ]);
  });

  test('--prune never touches what another project (or nobody) owns', () => {
    const foreign: Resource = {
      kind: 'function',
      key: 'legacy',
      fn: 'legacy',
      owned: false,
      spec: {},
    };
    const plan = planChanges(desiredResources(manifest, code), [...applied(), foreign], {
      prune: true,
      functions,
    });
    assert.ok(isNoop(plan));
    assert.ok(!plan.changes.some((c) => c.key === 'legacy'));
  });

  test("a function's own settings go when its entry drops them, even without --prune", () => {
    const current: Resource[] = [
      ...applied(),
      { kind: 'concurrency', key: 'api', fn: 'api', owned: true, spec: { reserved: 5 } },
    ];
    const plan = planChanges(desiredResources(manifest, code), current, {
      prune: false,
      functions,
    });
    assert.deepEqual(summary(plan.changes.filter((c) => c.action !== 'unchanged')), [
      'delete concurrency api',
    ]);
  });

  test('a route that points elsewhere is updated to the manifest function', () => {
    const current = applied().map((r) =>
      r.key === 'GET /items' ? { ...r, owned: false, spec: { ...r.spec, function: 'old' } } : r,
    );
    const plan = planChanges(desiredResources(manifest, code), current, {
      prune: false,
      functions,
    });
    const change = plan.changes.find((c) => c.key === 'GET /items');
    assert.equal(change?.action, 'update');
    assert.deepEqual(change?.fields, ['function']);
  });
});
