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

test('gateway route table: a route added in place matches exactly as a rebuilt table would', () => {
  const all = [
    route('ANY /{proxy+}'),
    route('GET /users/{id}'),
    route('GET /users/me'),
    route('ANY /users/{id}'),
    route('POST /users'),
    route('GET /files/{path+}'),
    route('ANY /v1/*', 'api.example.test'),
    route('GET /old/*', 'api.example.test', true),
    route('GET /users/{name}/'),
    route('PUT /users/{other}'),
  ];
  const grown = new RouteTable([]);
  const added = all.map((r) => grown.tryAdd(r));
  // Equivalent paths (parameter names, a trailing slash) need a rebuild to choose the winner.
  assert.deepEqual(added, [true, true, true, false, true, true, true, true, false, false]);
  const rebuilt = new RouteTable(all);
  const partial = new RouteTable(all.filter((_, i) => added[i]));
  const cases: [string, string, string][] = [];
  for (const host of ['localhost', 'api.example.test']) {
    for (const method of ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS']) {
      for (const p of [
        '/',
        '/users',
        '/users/me',
        '/users/42',
        '/users/42/',
        '/files/a/b',
        '/v1/x',
        '/old/users/me',
        '/nope/x',
      ]) {
        cases.push([host, method, p]);
      }
    }
  }
  for (const [host, method, p] of cases) {
    assert.deepEqual(
      grown.match(host, method, p),
      partial.match(host, method, p),
      `${method} ${host}${p}`,
    );
  }
  assert.equal(grown.size, partial.size);
  assert.ok(rebuilt.size === all.length && grown.hasDomain('api.example.test'));
});

test('gateway route table: 1,000 routes added one by one each resolve to their own', () => {
  const t = new RouteTable([]);
  for (let i = 0; i < 1000; i++) assert.equal(t.tryAdd(route(`GET /fn/f${i}/{rest+}`)), true);
  assert.equal(t.size, 1000);
  for (const i of [0, 1, 499, 999]) {
    const m = t.match('localhost', 'GET', `/fn/f${i}/a/b`);
    assert.equal(m.kind === 'found' && m.route.id, `GET /fn/f${i}/{rest+}`);
  }
  assert.deepEqual(t.match('localhost', 'GET', '/fn/f1000/a'), { kind: 'no-route' });
});
