import assert from 'node:assert/strict';
import { test } from 'node:test';
import { v1Answer } from '../../src/gateway/payload-v1.js';
import { v2Answer } from '../../src/gateway/payload-v2.js';
import { preludeAnswer } from '../../src/gateway/prelude.js';

const b = (v: unknown) => Buffer.from(JSON.stringify(v));

test('gateway 2.0 answers: structured, inferred, malformed', () => {
  const s = v2Answer(
    b({ statusCode: 201, headers: { 'X-A': 'b', n: 1 }, cookies: ['c=1'], body: 'hi' }),
  );
  assert.ok(s.ok);
  assert.equal(s.answer.statusCode, 201);
  assert.deepEqual(s.answer.headers, [
    ['x-a', 'b'],
    ['n', '1'],
    ['set-cookie', 'c=1'],
    ['content-type', 'application/json'],
  ]);
  assert.equal(s.answer.body.toString(), 'hi');
  const inferred = v2Answer(b([1, 2]));
  assert.ok(inferred.ok);
  assert.equal(inferred.answer.statusCode, 200);
  assert.equal(inferred.answer.body.toString(), '[1,2]');
  assert.deepEqual(v2Answer(Buffer.from('not json')), {
    ok: false,
    why: 'the function response is not valid JSON',
  });
  assert.equal(v2Answer(b({ statusCode: 99 })).ok, false);
  assert.equal(v2Answer(b({ statusCode: 200, body: 'eA==', isBase64Encoded: true })).ok, true);
  assert.equal(v2Answer(b({ statusCode: 200, body: 'x!', isBase64Encoded: true })).ok, false);
  assert.equal(v2Answer(b({ statusCode: 200, headers: { 'bad name': 'x' } })).ok, false);
  const hop = v2Answer(
    b({ statusCode: 200, headers: { 'transfer-encoding': 'chunked', 'content-length': '9' } }),
  );
  assert.ok(hop.ok);
  assert.deepEqual(hop.answer.headers, [['content-type', 'application/json']]);
});

test('gateway 1.0 answers: statusCode required, multiValueHeaders merged', () => {
  const r = v1Answer(
    b({
      statusCode: 200,
      headers: { a: '1', b: '2' },
      multiValueHeaders: { b: ['3', '4'] },
      body: null,
    }),
  );
  assert.ok(r.ok);
  assert.deepEqual(r.answer.headers, [
    ['a', '1'],
    ['b', '3'],
    ['b', '4'],
  ]);
  assert.equal(v1Answer(b({ hello: 'world' })).ok, false);
  assert.equal(v1Answer(b('string')).ok, false);
});

test('gateway prelude answers: JSON prelude, 8 NULs, body', () => {
  const payload = Buffer.concat([
    b({ statusCode: 202, headers: { 'content-type': 'text/plain' }, cookies: ['x=1'] }),
    Buffer.alloc(8),
    Buffer.from('body\0bytes'),
  ]);
  const r = preludeAnswer(payload);
  assert.ok(r.ok);
  assert.equal(r.answer.statusCode, 202);
  assert.deepEqual(r.answer.headers, [
    ['content-type', 'text/plain'],
    ['set-cookie', 'x=1'],
  ]);
  assert.equal(r.answer.body.toString(), 'body\0bytes');
  assert.equal(preludeAnswer(Buffer.from('{"statusCode":200}')).ok, false);
});
