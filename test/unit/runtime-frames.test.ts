import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
// The Node bootstrap's side of the same protocol (runtimes/node/frames.mjs).
import { frame, parseInvoke } from '../../runtimes/node/frames.mjs';
import { BodyReader, FrameReader, FrameType } from '../../src/runtime-api/frames/codec.js';
import { invokeFrame } from '../../src/runtime-api/frames/invoke-frame.js';

const inv = {
  requestId: 'req-1',
  payload: Buffer.from('{"héllo":"wörld"}'),
  deadlineMs: 1_733_600_000_123,
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:f',
  traceId: 'Root=1-abc',
  clientContext: '{"custom":{"a":1}}',
  contentType: 'application/json',
};

function collect(chunks: Buffer[], max = 1 << 30) {
  const frames: { type: number; body: Buffer }[] = [];
  const oversize: { type: number; size: number }[] = [];
  const r = new FrameReader(
    (type, body) => frames.push({ type, body: Buffer.from(body) }),
    (type, size) => oversize.push({ type, size }),
    () => max,
  );
  for (const c of chunks) r.push(c);
  return { frames, oversize };
}

describe('framed channel: codec', () => {
  test('an INVOKE frame the server writes is the invocation the Node bootstrap reads', () => {
    const parts = invokeFrame(inv);
    const { frames } = collect(parts);
    assert.equal(frames.length, 1);
    const f = frames[0];
    assert.ok(f);
    assert.equal(f.type, FrameType.invoke);
    const got = parseInvoke(f.body);
    assert.equal(got.requestId, 'req-1');
    assert.equal(got.deadlineMs, inv.deadlineMs);
    assert.equal(got.invokedFunctionArn, inv.invokedFunctionArn);
    assert.equal(got.traceId, 'Root=1-abc');
    assert.equal(got.clientContext, inv.clientContext);
    assert.equal(got.cognitoIdentity, undefined);
    assert.equal(got.body.toString('utf8'), '{"héllo":"wörld"}');
  });

  test('a large event travels as a second buffer and still reads as one frame', () => {
    const big = { ...inv, payload: Buffer.alloc(200_000, 0x61) };
    const parts = invokeFrame(big);
    assert.equal(parts.length, 2, 'not copied');
    const { frames } = collect(parts);
    assert.equal(parseInvoke(frames[0]!.body).body.length, 200_000);
  });

  test('a RESPONSE the bootstrap writes reads back field by field, split at every byte', () => {
    const bytes = Buffer.concat([
      frame(FrameType.response, [0, 'req-1', 'text/plain', Buffer.from('ok')]),
      frame(FrameType.next, []),
    ]);
    const chunks = [...bytes].map((b) => Buffer.from([b]));
    const { frames } = collect(chunks);
    assert.deepEqual(
      frames.map((f) => f.type),
      [FrameType.response, FrameType.next],
    );
    const b = new BodyReader(frames[0]!.body);
    assert.equal(b.u8(), 0);
    assert.equal(b.str(), 'req-1');
    assert.equal(b.str(), 'text/plain');
    assert.equal(b.rest().toString(), 'ok');
  });

  test('a frame over the limit is skipped without being buffered, and the next one still reads', () => {
    const huge = frame(FrameType.response, [0, 'r', 'x', Buffer.alloc(5000)]);
    const after = frame(FrameType.next, []);
    const whole = Buffer.concat([huge, after]);
    const { frames, oversize } = collect([whole.subarray(0, 100), whole.subarray(100)], 1000);
    assert.deepEqual(oversize, [{ type: FrameType.response, size: huge.length - 5 }]);
    assert.deepEqual(
      frames.map((f) => f.type),
      [FrameType.next],
    );
  });

  test('a string that claims to run past its frame is refused', () => {
    const body = Buffer.from([0, 0xff, 0xff, 0x61]);
    assert.throws(() => new BodyReader(body).str(), RangeError);
  });
});
