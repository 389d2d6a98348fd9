import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { isNimbusError } from '../../src/shared/errors.js';
import {
  type FunctionRecord,
  type LogEvent,
  openSqliteStore,
  openStore,
  type Store,
} from '../../src/store/index.js';

function fnRecord(name: string, overrides: Partial<FunctionRecord> = {}): FunctionRecord {
  return {
    name,
    version: '$LATEST',
    service: 'default',
    runtime: 'nodejs20.x',
    handler: 'index.handler',
    role: 'arn:aws:iam::000000000000:role/nimbus',
    description: 'test function',
    memoryMb: 128,
    timeoutS: 3,
    env: { GREETING: 'hello' },
    codeSha256: 'n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=',
    codeHexSha: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
    codeSizeBytes: 1234,
    initializer: null,
    initializationTimeoutS: 3,
    flavour: 'lambda',
    layers: [],
    tags: { team: 'core' },
    reservedConcurrency: null,
    architectures: ['x86_64'],
    ephemeralStorageMb: 512,
    revisionId: `rev-${name}-1`,
    lastModified: '2024-01-01T00:00:00.000+0000',
    createdAtMs: 1_704_067_200_000,
    ...overrides,
  };
}

function logLine(functionName: string, n: number, overrides: Partial<LogEvent> = {}): LogEvent {
  return {
    functionName,
    timestampMs: 1_000 + n,
    requestId: null,
    message: `line ${n}`,
    ...overrides,
  };
}

/** Resolves to the rejection's error code, or fails the test when `p` resolves. */
async function errorCode(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    assert.ok(isNimbusError(e), `expected a NimbusError, got ${String(e)}`);
    return e.code;
  }
  assert.fail('expected a rejection');
}

// Written as a suite over an opener so the PostgreSQL store can run the same tests.
function storeSuite(label: string, open: (dir: string) => Promise<Store>): void {
  describe(`store (${label})`, () => {
    let dir: string;
    let store: Store;
    const extraStores: Store[] = [];

    beforeEach(async () => {
      dir = await mkdtemp(path.join(os.tmpdir(), 'nimbus-store-'));
      store = await open(dir);
    });

    afterEach(async () => {
      await store.close();
      for (const s of extraStores.splice(0)) await s.close();
      await rm(dir, { recursive: true, force: true });
    });

    /** Closes the current store and opens the same file again. */
    async function reopen(): Promise<Store> {
      await store.close();
      store = await open(dir);
      return store;
    }

    describe('functions', () => {
      it('get returns exactly what create stored', async () => {
        const rec = fnRecord('hello', {
          env: { A: '1', B: 'two' },
          layers: [
            {
              arn: 'arn:aws:lambda:us-east-1:000000000000:layer:l:1',
              codeSizeBytes: 3,
              codeHexSha: 'a'.repeat(64),
            },
          ],
        });
        await store.functions.create(rec);
        assert.deepEqual(await store.functions.get('hello'), rec);
        assert.deepEqual(await store.functions.get('hello', '$LATEST'), rec);
      });

      it('get of an unknown name or version is undefined', async () => {
        await store.functions.create(fnRecord('hello'));
        assert.equal(await store.functions.get('nope'), undefined);
        assert.equal(await store.functions.get('hello', '1'), undefined);
      });

      it('creating an existing name fails with ResourceConflictException and keeps the first', async () => {
        await store.functions.create(fnRecord('hello', { description: 'first' }));
        const second = store.functions.create(fnRecord('hello', { description: 'second' }));
        await assert.rejects(second, {
          code: 'ResourceConflictException',
          status: 409,
          message: 'Function already exist: hello',
        });
        assert.equal((await store.functions.get('hello'))?.description, 'first');
        assert.equal(await store.functions.count(), 1);
      });

      it('two parallel creates of one name: exactly one succeeds', async () => {
        const results = await Promise.allSettled([
          store.functions.create(fnRecord('race', { description: 'a' })),
          store.functions.create(fnRecord('race', { description: 'b' })),
        ]);
        assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
        const rejected = results.filter((r) => r.status === 'rejected');
        assert.equal(rejected.length, 1);
        assert.equal(rejected[0]?.reason?.code, 'ResourceConflictException');
        assert.equal(await store.functions.count(), 1);
      });

      it('two stores on one file racing to create one name: exactly one succeeds', async () => {
        const other = await open(dir);
        extraStores.push(other);
        const outcomes = await Promise.allSettled(
          Array.from({ length: 10 }, (_, i) =>
            (i % 2 === 0 ? store : other).functions.create(
              fnRecord('race', { description: `${i}` }),
            ),
          ),
        );
        assert.equal(outcomes.filter((r) => r.status === 'fulfilled').length, 1);
        for (const r of outcomes) {
          if (r.status === 'rejected') assert.equal(r.reason?.code, 'ResourceConflictException');
        }
        const winner = outcomes.findIndex((r) => r.status === 'fulfilled');
        assert.equal((await other.functions.get('race'))?.description, `${winner}`);
      });

      it('list pages through every function in name order with an opaque marker', async () => {
        const names = ['delta', 'alpha', 'echo', 'charlie', 'bravo', 'foxtrot', 'golf'];
        for (const n of names) await store.functions.create(fnRecord(n));

        const seen: string[] = [];
        const pageSizes: number[] = [];
        let marker: string | undefined;
        do {
          const page = await store.functions.list({ limit: 3, ...(marker ? { marker } : {}) });
          pageSizes.push(page.items.length);
          seen.push(...page.items.map((f) => f.name));
          marker = page.nextMarker;
          if (marker !== undefined) assert.ok(!names.includes(marker), 'marker is not a bare name');
        } while (marker !== undefined);

        assert.deepEqual(seen, [...names].sort());
        assert.deepEqual(pageSizes, [3, 3, 1]);
      });

      it('list has no nextMarker when the last page is exactly full', async () => {
        for (const n of ['a', 'b', 'c', 'd']) await store.functions.create(fnRecord(n));
        const first = await store.functions.list({ limit: 2 });
        assert.ok(first.nextMarker);
        const second = await store.functions.list({ limit: 2, marker: first.nextMarker });
        assert.deepEqual(
          second.items.map((f) => f.name),
          ['c', 'd'],
        );
        assert.equal(second.nextMarker, undefined);
        assert.deepEqual(await store.functions.list({ limit: 10 }), {
          items: ['a', 'b', 'c', 'd'].map((n) => fnRecord(n)),
        });
      });

      it('list of an empty store is an empty page', async () => {
        assert.deepEqual(await store.functions.list({ limit: 50 }), { items: [] });
      });

      it('list rejects a marker it did not hand out', async () => {
        await store.functions.create(fnRecord('a'));
        assert.equal(
          await errorCode(store.functions.list({ limit: 5, marker: 'not a marker!' })),
          'InvalidParameterValueException',
        );
      });

      it('update with the current revision id replaces the config', async () => {
        await store.functions.create(fnRecord('hello'));
        const next = fnRecord('hello', {
          memoryMb: 512,
          env: { NEW: 'yes' },
          revisionId: 'rev-2',
          codeHexSha: 'ab'.repeat(32),
        });
        await store.functions.update(next, 'rev-hello-1');
        assert.deepEqual(await store.functions.get('hello'), next);
      });

      it('update without a revision id overwrites unconditionally', async () => {
        await store.functions.create(fnRecord('hello'));
        await store.functions.update(fnRecord('hello', { timeoutS: 60, revisionId: 'rev-2' }));
        await store.functions.update(fnRecord('hello', { timeoutS: 90, revisionId: 'rev-3' }));
        const got = await store.functions.get('hello');
        assert.equal(got?.timeoutS, 90);
        assert.equal(got?.revisionId, 'rev-3');
      });

      it('update keeps the creation time', async () => {
        await store.functions.create(fnRecord('hello', { createdAtMs: 111 }));
        await store.functions.update(fnRecord('hello', { createdAtMs: 999, revisionId: 'rev-2' }));
        assert.equal((await store.functions.get('hello'))?.createdAtMs, 111);
      });

      it('update with a stale revision id fails with PreconditionFailedException and changes nothing', async () => {
        await store.functions.create(fnRecord('hello'));
        await store.functions.update(fnRecord('hello', { revisionId: 'rev-2' }), 'rev-hello-1');
        // A second writer still holding the first revision id loses.
        const stale = store.functions.update(
          fnRecord('hello', { memoryMb: 1024, revisionId: 'rev-3' }),
          'rev-hello-1',
        );
        await assert.rejects(stale, {
          code: 'PreconditionFailedException',
          status: 412,
          message:
            'The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id',
        });
        const got = await store.functions.get('hello');
        assert.equal(got?.revisionId, 'rev-2');
        assert.equal(got?.memoryMb, 128);
      });

      it('parallel updates from the same revision: exactly one wins', async () => {
        await store.functions.create(fnRecord('hello'));
        const outcomes = await Promise.allSettled(
          [256, 512, 1024].map((memoryMb) =>
            store.functions.update(
              fnRecord('hello', { memoryMb, revisionId: `rev-${memoryMb}` }),
              'rev-hello-1',
            ),
          ),
        );
        assert.equal(outcomes.filter((r) => r.status === 'fulfilled').length, 1);
        const got = await store.functions.get('hello');
        assert.equal(got?.revisionId, `rev-${got?.memoryMb}`);
      });

      it('update of a missing function fails with ResourceNotFoundException', async () => {
        await assert.rejects(store.functions.update(fnRecord('ghost')), {
          code: 'ResourceNotFoundException',
          status: 404,
          message: 'Function not found: ghost',
        });
        assert.equal(
          await errorCode(store.functions.update(fnRecord('ghost'), 'rev-any')),
          'ResourceNotFoundException',
        );
        assert.equal(await store.functions.get('ghost'), undefined);
      });

      it('delete removes the function, reports whether it existed, and frees the name', async () => {
        await store.functions.create(fnRecord('hello'));
        await store.functions.create(fnRecord('other'));
        assert.equal(await store.functions.delete('hello'), true);
        assert.equal(await store.functions.get('hello'), undefined);
        assert.equal(await store.functions.delete('hello'), false);
        assert.deepEqual(
          (await store.functions.list({ limit: 10 })).items.map((f) => f.name),
          ['other'],
        );
        await store.functions.create(fnRecord('hello', { description: 'again' }));
        assert.equal((await store.functions.get('hello'))?.description, 'again');
      });

      it('count follows creates and deletes', async () => {
        assert.equal(await store.functions.count(), 0);
        for (const n of ['a', 'b', 'c']) await store.functions.create(fnRecord(n));
        assert.equal(await store.functions.count(), 3);
        await store.functions.delete('b');
        assert.equal(await store.functions.count(), 2);
      });
    });

    describe('durability', () => {
      it('functions and logs survive closing and reopening the file', async () => {
        const rec = fnRecord('hello', { tags: { k: 'v' } });
        await store.functions.create(rec);
        await store.logs.append([logLine('hello', 1), logLine('hello', 2)]);
        await reopen();
        assert.deepEqual(await store.functions.get('hello'), rec);
        const { events } = await store.logs.query({ functionName: 'hello', limit: 10 });
        assert.deepEqual(
          events.map((e) => e.message),
          ['line 1', 'line 2'],
        );
      });

      it('reopening many times keeps the schema working (migrations are idempotent)', async () => {
        await store.functions.create(fnRecord('hello'));
        for (let i = 0; i < 3; i++) await reopen();
        assert.equal(await store.functions.count(), 1);
        assert.equal(
          await errorCode(store.functions.create(fnRecord('hello'))),
          'ResourceConflictException',
        );
        await store.functions.create(fnRecord('second'));
        assert.equal(await store.functions.count(), 2);
      });

      it('a log cursor taken before a reopen still continues where it stopped', async () => {
        await store.logs.append([logLine('f', 1), logLine('f', 2)]);
        const first = await store.logs.query({ functionName: 'f', limit: 10 });
        // Pruning everything must not let new lines reuse old ids behind the cursor.
        await store.logs.prune(Number.MAX_SAFE_INTEGER);
        await reopen();
        await store.logs.append([logLine('f', 3)]);
        const next = await store.logs.query({
          functionName: 'f',
          afterId: Number(first.nextCursor),
          limit: 10,
        });
        assert.deepEqual(
          next.events.map((e) => e.message),
          ['line 3'],
        );
      });
    });

    describe('logs', () => {
      it('query returns a function’s lines oldest first, with their fields', async () => {
        await store.logs.append([
          logLine('a', 1, { requestId: 'req-1' }),
          logLine('b', 2),
          logLine('a', 3),
        ]);
        await store.logs.append([logLine('a', 4, { message: 'multi\nline ✓' })]);
        const { events, nextCursor } = await store.logs.query({ functionName: 'a', limit: 10 });
        assert.deepEqual(
          events.map(({ id: _id, ...rest }) => rest),
          [
            logLine('a', 1, { requestId: 'req-1' }),
            logLine('a', 3),
            logLine('a', 4, { message: 'multi\nline ✓' }),
          ],
        );
        const ids = events.map((e) => e.id);
        assert.deepEqual(
          ids,
          [...ids].sort((x, y) => x - y),
        );
        assert.equal(nextCursor, String(ids.at(-1)));
      });

      it('a large batch is stored completely and in order', async () => {
        // More than one INSERT chunk plus a remainder.
        const lines = Array.from({ length: 10_437 }, (_, i) => logLine('big', i));
        await store.logs.append(lines);
        const got: string[] = [];
        let afterId = 0;
        for (;;) {
          const page = await store.logs.query({ functionName: 'big', afterId, limit: 5000 });
          if (page.events.length === 0) break;
          got.push(...page.events.map((e) => e.message));
          afterId = Number(page.nextCursor);
        }
        assert.deepEqual(
          got,
          lines.map((l) => l.message),
        );
      });

      it('appending nothing is a no-op', async () => {
        await store.logs.append([]);
        const { events, nextCursor } = await store.logs.query({ functionName: 'a', limit: 10 });
        assert.deepEqual(events, []);
        assert.equal(nextCursor, '0');
      });

      it('following nextCursor yields every line once, then stays put', async () => {
        await store.logs.append(Array.from({ length: 25 }, (_, i) => logLine('f', i)));
        const got: string[] = [];
        let cursor = '0';
        for (let pages = 0; pages < 10; pages++) {
          const page = await store.logs.query({
            functionName: 'f',
            afterId: Number(cursor),
            limit: 10,
          });
          got.push(...page.events.map((e) => e.message));
          if (page.events.length === 0) {
            assert.equal(page.nextCursor, cursor, 'an empty page keeps the cursor');
            break;
          }
          cursor = page.nextCursor;
        }
        assert.deepEqual(
          got,
          Array.from({ length: 25 }, (_, i) => `line ${i}`),
        );
        // Lines appended later show up after the cursor (tailing).
        await store.logs.append([logLine('f', 99)]);
        const tail = await store.logs.query({
          functionName: 'f',
          afterId: Number(cursor),
          limit: 10,
        });
        assert.deepEqual(
          tail.events.map((e) => e.message),
          ['line 99'],
        );
      });

      it('sinceMs keeps lines at or after the time', async () => {
        await store.logs.append([
          logLine('f', 0, { timestampMs: 100 }),
          logLine('f', 1, { timestampMs: 200 }),
          logLine('f', 2, { timestampMs: 300 }),
        ]);
        const { events } = await store.logs.query({ functionName: 'f', sinceMs: 200, limit: 10 });
        assert.deepEqual(
          events.map((e) => e.timestampMs),
          [200, 300],
        );
      });

      it('requestId keeps only that invocation’s lines', async () => {
        await store.logs.append([
          logLine('f', 0, { requestId: 'req-a' }),
          logLine('f', 1, { requestId: 'req-b' }),
          logLine('f', 2, { requestId: 'req-a' }),
          logLine('f', 3),
          logLine('g', 4, { requestId: 'req-a' }),
        ]);
        const { events } = await store.logs.query({
          functionName: 'f',
          requestId: 'req-a',
          limit: 10,
        });
        assert.deepEqual(
          events.map((e) => e.message),
          ['line 0', 'line 2'],
        );
      });

      it('limit caps a page', async () => {
        await store.logs.append(Array.from({ length: 5 }, (_, i) => logLine('f', i)));
        const { events } = await store.logs.query({ functionName: 'f', limit: 2 });
        assert.deepEqual(
          events.map((e) => e.message),
          ['line 0', 'line 1'],
        );
      });

      it('prune deletes only lines older than the cutoff and says how many', async () => {
        // Enough old lines to need several delete chunks.
        const old = Array.from({ length: 2_503 }, (_, i) => logLine('f', i, { timestampMs: 500 }));
        const fresh = [
          logLine('f', 9_000, { timestampMs: 1_000 }),
          logLine('g', 9_001, { timestampMs: 2_000 }),
        ];
        await store.logs.append([
          ...old.slice(0, 1_000),
          fresh[0]!,
          ...old.slice(1_000),
          fresh[1]!,
        ]);
        assert.equal(await store.logs.prune(1_000), 2_503);
        const f = await store.logs.query({ functionName: 'f', limit: 10 });
        assert.deepEqual(
          f.events.map((e) => e.message),
          ['line 9000'],
        );
        const g = await store.logs.query({ functionName: 'g', limit: 10 });
        assert.equal(g.events.length, 1);
        assert.equal(await store.logs.prune(1_000), 0);
      });

      it('deleteFunction removes only that function’s lines', async () => {
        // Enough lines to need several delete chunks.
        const fLines = Array.from({ length: 2_500 }, (_, i) => logLine('f', i));
        await store.logs.append([
          ...fLines.slice(0, 1_200),
          logLine('g', 2),
          ...fLines.slice(1_200),
        ]);
        await store.logs.deleteFunction('f');
        assert.deepEqual((await store.logs.query({ functionName: 'f', limit: 10 })).events, []);
        assert.equal((await store.logs.query({ functionName: 'g', limit: 10 })).events.length, 1);
      });

      it('appends racing with function writes all land', async () => {
        await Promise.all([
          store.logs.append(Array.from({ length: 300 }, (_, i) => logLine('f', i))),
          store.functions.create(fnRecord('f')),
          store.logs.append(Array.from({ length: 300 }, (_, i) => logLine('f', 300 + i))),
          store.functions.create(fnRecord('g')),
        ]);
        const { events } = await store.logs.query({ functionName: 'f', limit: 1000 });
        assert.deepEqual(
          events.map((e) => e.message),
          Array.from({ length: 600 }, (_, i) => `line ${i}`),
        );
        assert.equal(await store.functions.count(), 2);
      });
    });
  });
}

storeSuite('sqlite', (dir) => openStore(dir));

describe('openStore', () => {
  it('creates a missing data dir and keeps the store in <dataDir>/nimbus.db', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'nimbus-store-'));
    try {
      const dataDir = path.join(root, 'nested', 'data');
      const store = await openStore(dataDir);
      await store.functions.create(fnRecord('hello'));
      await store.close();
      assert.ok((await readdir(dataDir)).includes('nimbus.db'));
      const again = await openSqliteStore(path.join(dataDir, 'nimbus.db'));
      try {
        assert.equal((await again.functions.get('hello'))?.name, 'hello');
      } finally {
        await again.close();
      }
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
