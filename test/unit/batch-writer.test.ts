import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BatchWriter } from '../../src/observability/index.js';

describe('observability: BatchWriter', () => {
  test('a backlog is written maxBatch items at a time, with the event loop free between writes', async () => {
    const batches: number[][] = [];
    const between: string[] = [];
    const w = new BatchWriter<number>(
      async (batch) => {
        batches.push(batch);
        between.push('write');
      },
      { what: 'items', maxBatch: 4, flushEveryMs: 60_000 },
    );
    w.write(Array.from({ length: 10 }, (_, i) => i));
    // Work that is waiting when the flush starts runs between its writes, not after all of them.
    setImmediate(() => between.push('other work'));
    await w.flush();
    assert.deepEqual(batches, [
      [0, 1, 2, 3],
      [4, 5, 6, 7],
      [8, 9],
    ]);
    assert.deepEqual(between, ['write', 'other work', 'write', 'write']);
    await w.close();
  });

  test('items written during a flush are written by it; close() leaves nothing behind', async () => {
    const seen: number[] = [];
    let w: BatchWriter<number> | null = null;
    w = new BatchWriter<number>(
      async (batch) => {
        seen.push(...batch);
        if (batch.includes(0)) w?.write([100, 101]);
      },
      { what: 'items', maxBatch: 2, flushEveryMs: 60_000 },
    );
    w.write([0, 1, 2]);
    await w.close();
    assert.deepEqual(seen, [0, 1, 2, 100, 101]);
  });

  test('a failed write is reported and the rest of the backlog is still written', async () => {
    const seen: number[][] = [];
    const errors: unknown[][] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => errors.push(args);
    try {
      const w = new BatchWriter<number>(
        async (batch) => {
          if (batch[0] === 0) throw new Error('disk full');
          seen.push(batch);
        },
        { what: 'items', maxBatch: 2, flushEveryMs: 60_000 },
      );
      w.write([0, 1, 2, 3]);
      await w.close();
      assert.deepEqual(seen, [[2, 3]]);
      assert.match(String(errors[0]?.[0]), /writing 2 items failed: disk full/);
    } finally {
      console.error = original;
    }
  });
});
