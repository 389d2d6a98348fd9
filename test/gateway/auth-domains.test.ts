import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { curl, type GatewayServer, jsonOf, startGateway } from '../helpers/gateway.js';

const WHO = (name: string) => `exports.handler = async (event) => ({
  statusCode: 200,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ fn: '${name}', rawPath: event.rawPath, routeKey: event.routeKey, authorizer: event.requestContext.authorizer ?? null, apiKeyId: event.requestContext.identity?.apiKeyId }),
});`;

describe('gateway: auth modes, custom domains, per-route CORS', () => {
  let g: GatewayServer;
  before(async () => {
    g = await startGateway();
    await g.deploy('users', { 'index.js': WHO('users') });
    await g.deploy('orders', { 'index.js': WHO('orders') });
    await g.deploy('authz', {
      'index.js': `let calls = 0;
        exports.handler = async (event) => {
          calls++;
          const token = event.headers.authorization;
          return { isAuthorized: token === 'Bearer good', context: { user: 'ada', calls, source: event.identitySource, type: event.type, routeKey: event.routeKey } };
        };`,
    });
    await g.route({ route: 'GET /open', function: 'users' });
    await g.route({ route: 'GET /keyed', function: 'users', auth: { type: 'key' } });
    await g.route({
      route: 'GET /keyed-v1',
      function: 'users',
      payload: '1.0',
      auth: { type: 'key' },
    });
    await g.route({
      route: 'GET /authz',
      function: 'users',
      auth: { type: 'function', function: 'authz', ttlS: 300 },
    });
    await g.route({
      route: 'GET /authz-nocache',
      function: 'users',
      auth: { type: 'function', function: 'authz', ttlS: 0 },
    });
    await g.route({
      route: 'ANY /cors/{id}',
      function: 'users',
      cors: {
        allowOrigins: ['https://a.test'],
        allowMethods: ['GET', 'PUT'],
        allowHeaders: ['content-type'],
        allowCredentials: true,
        maxAgeS: 60,
      },
    });
    // Custom domain: /v1/* → users, /v2/orders/* → orders, /legacy/* → the routes above.
    await g.route({ route: 'ANY /v1/*', domain: 'api.example.test', function: 'users' });
    await g.route({ route: 'ANY /v2/orders/*', domain: 'api.example.test', function: 'orders' });
    await g.route({ route: 'ANY /legacy/*', domain: 'api.example.test', forward: 'routes' });
  });
  after(async () => g.close());

  test('auth none: anyone may call', async () => {
    assert.equal((await fetch(`${g.http}/open`)).status, 200);
  });

  test('auth key: x-api-key must be a key made with http keys; deleting it stops it at once', async () => {
    assert.equal((await fetch(`${g.http}/keyed`)).status, 403);
    const made = await g.call('POST', '/nimbus/v1/http-keys', { description: 'test' });
    assert.equal(made.status, 201);
    assert.match(made.json.key, /^nk_/);
    assert.equal(
      (await fetch(`${g.http}/keyed`, { headers: { 'x-api-key': 'nk_wrong' } })).status,
      403,
    );
    const ok = await curl(['-H', `x-api-key: ${made.json.key}`, `${g.http}/keyed`]);
    assert.equal(ok.status, 200);
    const v1 = await fetch(`${g.http}/keyed-v1`, { headers: { 'x-api-key': made.json.key } });
    assert.equal((await jsonOf(v1)).apiKeyId, made.json.id);
    const list = await g.call('GET', '/nimbus/v1/http-keys');
    assert.equal(list.json.keys.length, 1);
    assert.equal(list.json.keys[0].key, undefined, 'keys are never listed');
    assert.equal((await g.call('DELETE', `/nimbus/v1/http-keys/${made.json.id}`)).status, 204);
    assert.equal(
      (await fetch(`${g.http}/keyed`, { headers: { 'x-api-key': made.json.key } })).status,
      403,
    );
  });

  test('auth function: REQUEST authorizer, simple response, context in requestContext.authorizer, cached for the TTL', async () => {
    assert.equal(
      (await fetch(`${g.http}/authz`)).status,
      401,
      'no identity source: 401 without calling',
    );
    assert.equal(
      (await fetch(`${g.http}/authz`, { headers: { authorization: 'Bearer bad' } })).status,
      403,
    );
    const a = await jsonOf(
      await fetch(`${g.http}/authz`, { headers: { authorization: 'Bearer good' } }),
    );
    assert.equal(a.authorizer.lambda.user, 'ada');
    assert.equal(a.authorizer.lambda.type, 'REQUEST');
    assert.deepEqual(a.authorizer.lambda.source, ['Bearer good']);
    const b = await jsonOf(
      await fetch(`${g.http}/authz`, { headers: { authorization: 'Bearer good' } }),
    );
    assert.equal(
      b.authorizer.lambda.calls,
      a.authorizer.lambda.calls,
      'second answer came from the cache',
    );
    const c1 = await jsonOf(
      await fetch(`${g.http}/authz-nocache`, { headers: { authorization: 'Bearer good' } }),
    );
    const c2 = await jsonOf(
      await fetch(`${g.http}/authz-nocache`, { headers: { authorization: 'Bearer good' } }),
    );
    assert.ok(c2.authorizer.lambda.calls > c1.authorizer.lambda.calls, 'ttl 0: asked every time');
  });

  test('custom domains: Host routes path prefixes to different functions, and on to the routes', async () => {
    const host = (h: string, p: string) =>
      curl(['-H', `Host: ${h}:${g.httpPort}`, `http://127.0.0.1:${g.httpPort}${p}`]);
    const u = await host('api.example.test', '/v1/users/7');
    assert.equal(u.status, 200);
    assert.equal(JSON.parse(u.body.toString()).fn, 'users');
    const o = await host('API.Example.Test', '/v2/orders/9');
    assert.equal(JSON.parse(o.body.toString()).fn, 'orders');
    const fwd = await host('api.example.test', '/legacy/open');
    assert.equal(fwd.status, 200);
    assert.equal(JSON.parse(fwd.body.toString()).routeKey, 'GET /open');
    assert.equal(
      (await host('api.example.test', '/open')).status,
      404,
      'a domain sees only its own paths',
    );
    assert.equal((await host('other.test', '/open')).status, 200, 'other hosts see the routes');
    const domains = await g.call('GET', '/nimbus/v1/domains');
    assert.equal(domains.json.domains[0].domain, 'api.example.test');
    assert.equal(domains.json.domains[0].routes.length, 3);
  });

  test('CORS: preflight answered by the gateway (never the function); actual responses get the headers', async () => {
    const pre = await curl([
      '-X',
      'OPTIONS',
      '-H',
      'Origin: https://a.test',
      '-H',
      'Access-Control-Request-Method: PUT',
      '-H',
      'Access-Control-Request-Headers: Content-Type',
      `${g.http}/cors/1`,
    ]);
    assert.equal(pre.status, 204);
    assert.deepEqual(pre.headers['access-control-allow-origin'], ['https://a.test']);
    assert.deepEqual(pre.headers['access-control-allow-methods'], ['GET,PUT']);
    assert.deepEqual(pre.headers['access-control-allow-credentials'], ['true']);
    assert.deepEqual(pre.headers['access-control-max-age'], ['60']);
    const wrongMethod = await curl([
      '-X',
      'OPTIONS',
      '-H',
      'Origin: https://a.test',
      '-H',
      'Access-Control-Request-Method: DELETE',
      `${g.http}/cors/1`,
    ]);
    assert.equal(wrongMethod.headers['access-control-allow-origin'], undefined);
    const r = await fetch(`${g.http}/cors/1`, { headers: { origin: 'https://a.test' } });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('access-control-allow-origin'), 'https://a.test');
    assert.equal(r.headers.get('vary'), 'Origin');
    const other = await fetch(`${g.http}/cors/1`, { headers: { origin: 'https://b.test' } });
    assert.equal(other.headers.get('access-control-allow-origin'), null);
  });

  test('route management: bad input is a 400 that says why; duplicates are 409', async () => {
    const bad = async (body: Record<string, unknown>, why: RegExp) => {
      const r = await g.call('POST', '/nimbus/v1/routes', body);
      assert.equal(r.status, 400, JSON.stringify(r.json));
      assert.match(r.json.error.message, why);
    };
    await bad({ route: 'GET users', function: 'users' }, /must start with \//);
    await bad({ route: 'FETCH /x', function: 'users' }, /method must be/);
    await bad({ route: 'GET /a/{p+}/b', function: 'users' }, /must be the last/);
    await bad({ route: 'GET /x', function: 'nosuch' }, /does not exist/);
    await bad({ route: 'GET /x', function: 'users', payload: 'fc' }, /not an fc-flavour function/);
    await bad({ route: 'GET /x', forward: 'routes' }, /custom domain/);
    await bad({ route: 'GET /x', function: 'users', extra: 1 }, /extra|Unrecognized/i);
    const dup = await g.call('POST', '/nimbus/v1/routes', {
      route: 'GET /open',
      function: 'orders',
    });
    assert.equal(dup.status, 409);
  });
});
