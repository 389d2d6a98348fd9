import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { curl, type GatewayServer, jsonOf, startGateway } from '../helpers/gateway.js';

// One function echoes the event it got; routes in each payload format point at it.
const ECHO = `exports.handler = async (event) => ({
  statusCode: 200,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(event),
});`;

describe('gateway: payload formats, routes and precedence (fetch + curl against a real server)', () => {
  let g: GatewayServer;
  before(async () => {
    g = await startGateway();
    await g.deploy('echo', { 'index.js': ECHO });
    await g.deploy('shape', {
      'index.js': `exports.handler = async (event) => {
        const q = event.queryStringParameters || {};
        switch (q.kind) {
          case 'plain': return { a: 1 };
          case 'string': return 'hi';
          case 'binary': return { statusCode: 200, headers: { 'content-type': 'image/png' }, body: Buffer.from([0, 1, 2, 255]).toString('base64'), isBase64Encoded: true };
          case 'cookies': return { statusCode: 204, cookies: ['a=1; Path=/', 'b=2'], headers: { 'x-one': 1 } };
          case 'echo-binary': return { statusCode: 200, headers: { 'content-type': 'application/octet-stream' }, body: event.body, isBase64Encoded: event.isBase64Encoded };
          case 'bad-status': return { statusCode: 'teapot' };
          case 'bad-body': return { statusCode: 200, body: { not: 'a string' } };
          default: return { statusCode: 200, body: 'default' };
        }
      };`,
    });
    await g.deploy(
      'fcfn',
      {
        'index.js': `exports.handler = (req, resp, context) => {
        resp.setStatusCode(201);
        resp.setHeader('x-fc', 'yes');
        resp.setHeader('x-drop', 'x');
        resp.deleteHeader('x-drop');
        resp.setHeader('set-cookie', ['a=1', 'b=2']);
        resp.send(JSON.stringify({ method: req.method, path: req.path, queries: req.queries,
          body: req.body.toString(), ip: req.clientIP, host: req.headers.host, rid: context.requestId,
          fn: context.function.name }));
      };`,
      },
      {},
    );
    // FC flavour is a native-API setting.
    const r = await g.call('PUT', '/nimbus/v1/functions/fcfn', { flavour: 'fc' });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    await g.route({ route: 'ANY /v2/{proxy+}', function: 'echo' });
    await g.route({ route: 'ANY /v1/items/{id}', function: 'echo', payload: '1.0' });
    await g.route({ route: 'ANY /shape', function: 'shape' });
    await g.route({ route: 'ANY /fc/{proxy+}', function: 'fcfn' });
    // Precedence: static > {param} > {proxy+}; GET beats ANY on the same path.
    await g.route({ route: 'GET /p/static', function: 'echo' });
    await g.route({ route: 'GET /p/{id}', function: 'echo' });
    await g.route({ route: 'ANY /p/{rest+}', function: 'echo' });
    await g.route({ route: 'POST /m/x', function: 'echo' });
    await g.route({ route: 'ANY /m/x', function: 'shape' });
  });
  after(async () => g.close());

  test('2.0: event fields (rawPath, query, cookies, headers, pathParameters, requestContext) and the structured response', async () => {
    const r = await fetch(`${g.http}/v2/a/b%20c?x=1&x=2&y=z`, {
      method: 'POST',
      headers: { cookie: 'c1=v1; c2=v2', 'x-multi': 'one', 'content-type': 'application/json' },
      body: '{"hello":"world"}',
    });
    assert.equal(r.status, 200);
    assert.match(r.headers.get('x-amzn-requestid') ?? '', /^[0-9a-f-]{36}$/);
    const e = await jsonOf(r);
    assert.equal(e.version, '2.0');
    assert.equal(e.routeKey, 'ANY /v2/{proxy+}');
    assert.equal(e.rawPath, '/v2/a/b%20c');
    assert.equal(e.rawQueryString, 'x=1&x=2&y=z');
    assert.deepEqual(e.queryStringParameters, { x: '1,2', y: 'z' });
    assert.deepEqual(e.cookies, ['c1=v1', 'c2=v2']);
    assert.equal(e.headers.cookie, undefined);
    assert.equal(e.headers['x-multi'], 'one');
    assert.deepEqual(e.pathParameters, { proxy: 'a/b c' });
    assert.equal(e.body, '{"hello":"world"}');
    assert.equal(e.isBase64Encoded, false);
    assert.equal(e.requestContext.http.method, 'POST');
    assert.equal(e.requestContext.http.path, '/v2/a/b c');
    assert.equal(e.requestContext.stage, '$default');
    assert.equal(e.requestContext.requestId, r.headers.get('x-amzn-requestid'));
    assert.match(e.requestContext.time, /^\d\d\/[A-Z][a-z]{2}\/\d{4}:\d\d:\d\d:\d\d \+0000$/);
  });

  test('2.0: a response without statusCode is a 200 JSON body (HTTP API inference rule)', async () => {
    const plain = await fetch(`${g.http}/shape?kind=plain`);
    assert.equal(plain.status, 200);
    assert.equal(plain.headers.get('content-type'), 'application/json');
    assert.deepEqual(await jsonOf(plain), { a: 1 });
    const str = await curl([`${g.http}/shape?kind=string`]);
    assert.equal(str.status, 200);
    assert.equal(str.body.toString(), '"hi"');
  });

  test('2.0: binary bodies travel base64 both ways (curl --data-binary)', async () => {
    const out = await curl([`${g.http}/shape?kind=binary`]);
    assert.equal(out.status, 200);
    assert.deepEqual([...out.body], [0, 1, 2, 255]);
    const bytes = Buffer.from([0xff, 0xfe, 0x00, 0x80, 0x41]);
    const echo = await curl(
      [
        '-X',
        'POST',
        '-H',
        'content-type: application/octet-stream',
        '--data-binary',
        '@-',
        `${g.http}/shape?kind=echo-binary`,
      ],
      bytes,
    );
    assert.equal(echo.status, 200);
    assert.deepEqual(echo.body, bytes);
    // The event carries it as base64 with isBase64Encoded.
    const ev = await fetch(`${g.http}/v2/bin`, {
      method: 'PUT',
      headers: { 'content-type': 'image/png' },
      body: bytes,
    });
    const e = await jsonOf(ev);
    assert.equal(e.isBase64Encoded, true);
    assert.equal(e.body, bytes.toString('base64'));
  });

  test('2.0: cookies become Set-Cookie headers; number header values are strings', async () => {
    const r = await curl([`${g.http}/shape?kind=cookies`]);
    assert.equal(r.status, 204);
    assert.deepEqual(r.headers['set-cookie'], ['a=1; Path=/', 'b=2']);
    assert.deepEqual(r.headers['x-one'], ['1']);
  });

  test('1.0: multi-value headers and query strings, resource and path parameters', async () => {
    const r = await curl([
      '-H',
      'x-m: a',
      '-H',
      'x-m: b',
      `${g.http}/v1/items/42?tag=a&tag=b&one=1`,
    ]);
    assert.equal(r.status, 200);
    const e = JSON.parse(r.body.toString());
    assert.equal(e.resource, '/v1/items/{id}');
    assert.equal(e.path, '/v1/items/42');
    assert.equal(e.httpMethod, 'GET');
    assert.deepEqual(e.multiValueHeaders['x-m'], ['a', 'b']);
    assert.equal(e.headers['x-m'], 'b');
    assert.deepEqual(e.multiValueQueryStringParameters, { tag: ['a', 'b'], one: ['1'] });
    assert.deepEqual(e.queryStringParameters, { tag: 'b', one: '1' });
    assert.deepEqual(e.pathParameters, { id: '42' });
    assert.equal(e.body, null);
    assert.equal(e.requestContext.httpMethod, 'GET');
    assert.equal(e.requestContext.identity.sourceIp, '127.0.0.1');
  });

  test('fc: an fc-flavour function is called as an FC HTTP handler (req, resp, context)', async () => {
    const r = await curl([
      '-X',
      'POST',
      '--data-binary',
      'payload!',
      `${g.http}/fc/x/y?a=1&a=2&b=3`,
    ]);
    assert.equal(r.status, 201, r.body.toString());
    assert.deepEqual(r.headers['x-fc'], ['yes']);
    assert.equal(r.headers['x-drop'], undefined);
    assert.deepEqual(r.headers['set-cookie'], ['a=1', 'b=2']);
    const b = JSON.parse(r.body.toString());
    assert.equal(b.method, 'POST');
    assert.equal(b.path, '/fc/x/y');
    assert.deepEqual(b.queries, { a: ['1', '2'], b: '3' });
    assert.equal(b.body, 'payload!');
    assert.equal(b.ip, '127.0.0.1');
    assert.equal(b.fn, 'fcfn');
    assert.match(b.rid, /^[0-9a-f-]{36}$/);
    // The route defaulted to payload fc because the function is fc-flavour.
    const routes = await g.call('GET', '/nimbus/v1/routes');
    assert.equal(
      routes.json.routes.find((x: { route: string }) => x.route === 'ANY /fc/{proxy+}').payload,
      'fc',
    );
  });

  test('routes: static beats {param} beats {proxy+}; a method beats ANY; HEAD uses GET', async () => {
    const key = async (p: string, method = 'GET') =>
      (await jsonOf(await fetch(`${g.http}${p}`, { method }))).routeKey;
    assert.equal(await key('/p/static'), 'GET /p/static');
    assert.equal(await key('/p/other'), 'GET /p/{id}');
    assert.equal(await key('/p/a/b'), 'ANY /p/{rest+}');
    assert.equal(await key('/p/static', 'DELETE'), 'ANY /p/{rest+}');
    assert.equal(await key('/m/x', 'POST'), 'POST /m/x');
    const any = await fetch(`${g.http}/m/x`, { method: 'PUT' });
    assert.equal(await any.text(), 'default'); // the ANY route's function
    const head = await curl(['-I', `${g.http}/p/other`]);
    assert.equal(head.status, 200);
    assert.equal(head.body.length, 0);
    assert.ok(Number(head.headers['content-length']?.[0]) > 0);
  });

  test('routes: JSON 404 for no route, 405 with Allow for a wrong method, OPTIONS answered with Allow', async () => {
    const nf = await fetch(`${g.http}/nowhere`);
    assert.equal(nf.status, 404);
    assert.equal(nf.headers.get('content-type'), 'application/json');
    assert.equal((await jsonOf(nf)).message, 'Not Found');
    const wm = await curl(['-X', 'DELETE', `${g.http}/v1/items/1/extra`]);
    assert.equal(wm.status, 404);
    const m = await fetch(`${g.http}/p/static/`, { method: 'GET' });
    assert.equal(m.status, 200); // trailing slash tolerated
    await g.route({ route: 'GET /only-get', function: 'echo' });
    const wrong = await fetch(`${g.http}/only-get`, { method: 'POST' });
    assert.equal(wrong.status, 405);
    assert.equal(wrong.headers.get('allow'), 'GET, HEAD, OPTIONS');
    assert.equal((await jsonOf(wrong)).message, 'Method Not Allowed');
    const opt = await curl(['-X', 'OPTIONS', `${g.http}/only-get`]);
    assert.equal(opt.status, 204);
    assert.deepEqual(opt.headers.allow, ['GET, HEAD, OPTIONS']);
  });

  test('malformed function responses are a 502 with a log line saying why', async () => {
    for (const [kind, why] of [
      ['bad-status', /statusCode must be an integer/],
      ['bad-body', /body must be a string/],
    ] as const) {
      const r = await fetch(`${g.http}/shape?kind=${kind}`);
      assert.equal(r.status, 502);
      const rid = r.headers.get('x-amzn-requestid');
      assert.equal((await jsonOf(r)).requestId, rid);
      // The function's own log says why (nimbus logs shape).
      let found = false;
      for (let i = 0; i < 50 && !found; i++) {
        const logs = await g.call('GET', `/nimbus/v1/functions/shape/logs?requestId=${rid}`);
        found = logs.json.events.some((e: { message: string }) => why.test(e.message));
        if (!found) await new Promise((res) => setTimeout(res, 50));
      }
      assert.ok(found, `no log line for ${kind}`);
    }
  });

  test('routes are stored: a restarted server serves them; changes apply without a restart', async () => {
    const added = await g.route({ route: 'GET /later', function: 'echo' });
    assert.equal((await fetch(`${g.http}/later`)).status, 200);
    const del = await g.call('DELETE', `/nimbus/v1/routes/${encodeURIComponent('GET /later')}`);
    assert.equal(del.status, 204);
    assert.equal((await fetch(`${g.http}/later`)).status, 404);
    assert.ok(added.id.startsWith('rt-'));
    const dataDir = g.dataDir;
    await g.close(true);
    g = await startGateway({}, dataDir);
    const r = await fetch(`${g.http}/v2/again`);
    assert.equal(r.status, 200);
    assert.equal((await jsonOf(r)).rawPath, '/v2/again');
  });
});
