import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Progress } from '../../src/cli/project/progress.js';

function stream(isTTY: boolean) {
  const chunks: string[] = [];
  return { isTTY, chunks, write: (t: string) => chunks.push(t) };
}

test('progress: off a terminal only the finished lines are written', () => {
  const s = stream(false);
  const p = new Progress(s, 10);
  p.step(1, 2, 'packaging api');
  p.done('packaged [1/2] api 1 KB');
  p.step(2, 2, 'packaging worker');
  p.clear();
  assert.deepEqual(s.chunks, ['packaged [1/2] api 1 KB\n']);
});

test('progress: on a terminal the bar is drawn in place and cleared before a line', () => {
  const s = stream(true);
  const p = new Progress(s, 10);
  p.step(2, 4, 'uploading api (3 MB)');
  assert.equal(s.chunks[0], '\r\u001b[2K[###.......] 2/4 uploading api (3 MB)');
  p.done('updated function api');
  assert.deepEqual(s.chunks.slice(1), ['\r\u001b[2K', 'updated function api\n']);
  p.clear();
  assert.equal(s.chunks.length, 3, 'nothing to clear once the line is written');
});
