import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseRouteKey } from '../../src/gateway/route-key.js';
import { RouteTable } from '../../src/gateway/route-table.js';
import type { HttpRouteRecord } from '../../src/store/types.js';

function route(key: string, domain: string | null = null, forward = false): HttpRouteRecord {
  const { method, path } = parseRouteKey(key);
  return {
    id: key,
    domain,
    method,
    path,
    target: forward ? { kind: 'routes' } : { kind: 'function', functionName: 'f', qualifier: null },
    payload: '2.0',
    auth: { type: 'none' },
    cors: null,
    createdAtMs: 0,
  };
}

const table = new RouteTable([
  route('ANY /{proxy+}'),
  route('GET /users/{id}'),
  route('GET /users/me'),
  route('ANY /users/{id}'),
  route('POST /users'),
  route('GET /files/{path+}'),
  route('ANY /v1/*', 'api.example.test'),
  route('GET /old/*', 'api.example.test', true),
]);
const hit = (method: string, path: string, host = 'localhost') => {
  const m = table.match(host, method, path);
  return m.kind === 'found' ? `${m.route.id} ${JSON.stringify(m.params)}` : m.kind;
};

test('gateway route table: static beats {param} beats {proxy+}', () => {
  assert.equal(hit('GET', '/users/me'), 'GET /users/me {}');
  assert.equal(hit('GET', '/users/42'), 'GET /users/{id} {"id":"42"}');
  assert.equal(hit('GET', '/users/42/x'), 'ANY /{proxy+} {"proxy":"users/42/x"}');
  assert.equal(hit('GET', '/files/a/b%20c.txt'), 'GET /files/{path+} {"path":"a/b c.txt"}');
});

test('gateway route table: a method beats ANY on the same path; HEAD falls back to GET', () => {
  assert.equal(hit('DELETE', '/users/42'), 'ANY /users/{id} {"id":"42"}');
  // ANY claims HEAD itself, so it beats the static GET route for HEAD.
  assert.equal(hit('HEAD', '/users/me'), 'ANY /users/{id} {"id":"me"}');
  const t = new RouteTable([route('GET /a')]);
  const head = t.match('h', 'HEAD', '/a');
  assert.equal(head.kind === 'found' && head.route.id, 'GET /a');
  assert.equal(hit('POST', '/users'), 'POST /users {}');
});

test('gateway route table: wrong method lists what the path allows', () => {
  const t = new RouteTable([route('GET /a'), route('PUT /a')]);
  assert.deepEqual(t.match('h', 'POST', '/a'), {
    kind: 'wrong-method',
    allow: ['GET', 'PUT', 'HEAD'],
  });
  assert.deepEqual(t.match('h', 'GET', '/b'), { kind: 'no-route' });
});

test('gateway route table: a domain has its own routes; a forwarding route strips its prefix', () => {
  assert.equal(hit('PATCH', '/v1/x/y', 'api.example.test'), 'ANY /v1/* {"proxy":"x/y"}');
  assert.equal(hit('GET', '/old/users/me', 'api.example.test'), 'GET /users/me {}');
  assert.equal(hit('GET', '/users/me', 'api.example.test'), 'no-route');
  assert.equal(hit('GET', '/v1/x', 'other.test'), 'ANY /{proxy+} {"proxy":"v1/x"}');
});

test('gateway route keys: syntax checks and the /* shorthand', () => {
  assert.deepEqual(parseRouteKey('get /a/*'), { method: 'GET', path: '/a/{proxy+}' });
  assert.deepEqual(parseRouteKey('ANY /'), { method: 'ANY', path: '/' });
  for (const bad of [
    'GET',
    'GET a',
    'BREW /x',
    'GET /a/{x+}/b',
    'GET /a/{x}/{x}',
    'GET /a/b{c}',
    'GET /a//b',
  ]) {
    assert.throws(() => parseRouteKey(bad), /route|method|greedy|parameter|segment/, bad);
  }
});
