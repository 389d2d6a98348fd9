import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { lambdaCalls } from '../helpers/lambda-calls.js';
import { testPlatform } from '../helpers/platform.js';

let t: Awaited<ReturnType<typeof testPlatform>>;
const { inject, deploy } = lambdaCalls(() => t.platform);
const base = '/nimbus/v1/functions/fn/test-events';

before(async () => {
  t = await testPlatform();
  await deploy('fn', { 'index.js': 'exports.handler = async (e) => e;' });
});
after(async () => {
  await t.platform.app.close();
  await t.close();
});

test('test events: saved per function, listed by name, replaced on save, deleted', async () => {
  let r = await inject({ method: 'PUT', url: `${base}/b-event`, payload: { payload: '{"n":1}' } });
  assert.equal(r.statusCode, 201, r.body);
  r = await inject({ method: 'PUT', url: `${base}/a-event`, payload: { payload: '{"n":2}' } });
  assert.equal(r.statusCode, 201);
  r = await inject({ method: 'PUT', url: `${base}/b-event`, payload: { payload: '{"n":3}' } });
  assert.equal(r.statusCode, 200);
  assert.equal(r.json().payload, '{"n":3}');
  r = await inject({ url: base });
  assert.deepEqual(
    r.json().testEvents.map((e: { name: string; payload: string }) => [e.name, e.payload]),
    [
      ['a-event', '{"n":2}'],
      ['b-event', '{"n":3}'],
    ],
  );
  r = await inject({ method: 'DELETE', url: `${base}/a-event` });
  assert.equal(r.statusCode, 204);
  r = await inject({ method: 'DELETE', url: `${base}/a-event` });
  assert.equal(r.statusCode, 404);
  assert.equal(r.json().error.code, 'NotFound');
  assert.equal((await inject({ url: base })).json().testEvents.length, 1);
});

test('test events: bad names, bodies that are not JSON and unknown functions are refused in words', async () => {
  let r = await inject({ method: 'PUT', url: `${base}/has%20space`, payload: { payload: '{}' } });
  assert.equal(r.statusCode, 400);
  assert.match(r.json().error.message, /not a valid test event name/);
  r = await inject({ method: 'PUT', url: `${base}/e`, payload: { payload: '{nope' } });
  assert.equal(r.statusCode, 400);
  assert.match(r.json().error.message, /not valid JSON/);
  r = await inject({ method: 'PUT', url: `${base}/e`, payload: { payload: '{}', extra: 1 } });
  assert.equal(r.statusCode, 400);
  r = await inject({ url: '/nimbus/v1/functions/nope/test-events' });
  assert.equal(r.statusCode, 404);
  assert.match(r.json().error.message, /nope/);
});

test('test events: deleting the function deletes its events', async () => {
  await deploy('gone', { 'index.js': 'exports.handler = async (e) => e;' });
  const url = '/nimbus/v1/functions/gone/test-events/e1';
  assert.equal((await inject({ method: 'PUT', url, payload: { payload: '{}' } })).statusCode, 201);
  assert.equal(
    (await inject({ method: 'DELETE', url: '/2015-03-31/functions/gone' })).statusCode,
    204,
  );
  await deploy('gone', { 'index.js': 'exports.handler = async (e) => e;' });
  const r = await inject({ url: '/nimbus/v1/functions/gone/test-events' });
  assert.deepEqual(r.json().testEvents, []);
});

test('log stream: new lines arrive as server-sent events; bad queries and unknown functions answer at once', async () => {
  await t.platform.app.listen({ host: '127.0.0.1', port: 0 });
  const addr = t.platform.app.server.address();
  const origin = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  const stop = new AbortController();
  const res = await fetch(`${origin}/nimbus/v1/functions/fn/logs/stream`, { signal: stop.signal });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'text/event-stream; charset=utf-8');
  const invoked = await inject({
    method: 'POST',
    url: '/2015-03-31/functions/fn/invocations',
    payload: '{"marker":"sse"}',
  });
  assert.equal(invoked.statusCode, 200);
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let text = '';
  while (!/data: .*END RequestId/.test(text)) {
    const { value, done } = await reader.read();
    if (done) break;
    text += value;
  }
  stop.abort();
  assert.match(
    text,
    /^id: \d+\ndata: \{"id":\d+,"timestamp":\d+,"requestId":"[0-9a-f-]+","message":"START RequestId/m,
  );
  const bad = await inject({ url: '/nimbus/v1/functions/fn/logs/stream?after=-1' });
  assert.equal(bad.statusCode, 400);
  const missing = await inject({ url: '/nimbus/v1/functions/nope/logs/stream' });
  assert.equal(missing.statusCode, 404);
});
