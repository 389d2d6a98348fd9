import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createSigner } from '../../src/shared/sigv4.js';
import { curl, type GatewayServer, jsonOf, startGateway } from '../helpers/gateway.js';

const STREAM = `exports.handler = awslambda.streamifyResponse(async (event, stream) => {
  const q = event.queryStringParameters || {};
  stream = awslambda.HttpResponseStream.from(stream, {
    statusCode: 201, headers: { 'content-type': 'text/plain', 'x-s': 'yes' }, cookies: ['s=1'],
  });
  stream.write('first;');
  await new Promise((r) => setTimeout(r, Number(q.waitMs || 1500)));
  if (q.fail) throw new Error('mid-stream failure');
  stream.write('second');
  stream.end();
});`;

const HELLO = `exports.handler = async (event) => ({
  statusCode: 200,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ rawPath: event.rawPath, routeKey: event.routeKey, ctx: event.requestContext }),
});`;

describe('gateway: response streaming and Lambda function URLs', () => {
  let g: GatewayServer;
  let streamUrl: string;
  let helloUrl: string;
  let iamUrl: string;
  const idOf = (url: string) => new URL(url).hostname.split('.')[0]!;
  before(async () => {
    g = await startGateway();
    await g.deploy('streamer', { 'index.js': STREAM });
    await g.deploy('hello', { 'index.js': HELLO });
    await g.deploy('private', { 'index.js': HELLO });
    await g.route({ route: 'GET /stream', function: 'streamer' });
    let r = await g.call('POST', '/2021-10-31/functions/streamer/url', {
      AuthType: 'NONE',
      InvokeMode: 'RESPONSE_STREAM',
    });
    assert.equal(r.status, 201, JSON.stringify(r.json));
    streamUrl = r.json.FunctionUrl;
    r = await g.call('POST', '/2021-10-31/functions/hello/url', {
      AuthType: 'NONE',
      Cors: {
        AllowOrigins: ['https://app.example.test'],
        AllowMethods: ['GET', 'POST'],
        AllowHeaders: ['x-custom'],
        MaxAge: 600,
        ExposeHeaders: ['x-amzn-requestid'],
      },
    });
    assert.equal(r.status, 201, JSON.stringify(r.json));
    helloUrl = r.json.FunctionUrl;
    r = await g.call('POST', '/2021-10-31/functions/private/url', { AuthType: 'AWS_IAM' });
    iamUrl = r.json.FunctionUrl;
  });
  after(async () => g.close());

  test('streaming: the first bytes reach the client before the handler returns (fetch)', async () => {
    const t0 = performance.now();
    const r = await fetch(`${g.http}/stream?waitMs=1500`);
    const tHead = performance.now() - t0;
    assert.equal(r.status, 201);
    assert.equal(r.headers.get('x-s'), 'yes');
    assert.equal(r.headers.get('set-cookie'), 's=1');
    const reader = r.body!.getReader();
    const first = await reader.read();
    const tFirst = performance.now() - t0;
    assert.equal(Buffer.from(first.value!).toString(), 'first;');
    let rest = '';
    for (;;) {
      const c = await reader.read();
      if (c.done) break;
      rest += Buffer.from(c.value).toString();
    }
    const tEnd = performance.now() - t0;
    assert.equal(rest, 'second');
    // The handler waits 1.5 s between its two writes.
    assert.ok(tEnd - tFirst >= 1200, `first chunk at ${tFirst} ms, end at ${tEnd} ms`);
    assert.ok(tHead < tEnd - 1200);
  });

  test('streaming: curl sees the head long before the end; a RESPONSE_STREAM URL by Host header', async () => {
    const id = idOf(streamUrl);
    assert.match(streamUrl, new RegExp(`^http://${id}\\.lambda-url\\.localhost:${g.httpPort}/$`));
    const r = await curl([
      '-H',
      `Host: ${id}.lambda-url.localhost:${g.httpPort}`,
      '-w',
      '\n%{time_starttransfer} %{time_total}',
      `http://127.0.0.1:${g.httpPort}/?waitMs=1200`,
    ]);
    assert.equal(r.status, 201);
    const text = r.body.toString();
    assert.ok(text.startsWith('first;second'), text);
    const [start, total] = text.split('\n')[1]!.split(' ').map(Number) as [number, number];
    assert.ok(total - start >= 1.0, `head at ${start} s, end at ${total} s`);
  });

  test('streaming: an error mid-stream ends the response (curl: partial transfer) and is logged', async () => {
    const r = await curl([`${g.http}/stream?waitMs=100&fail=1`]);
    assert.equal(r.status, 201);
    assert.notEqual(r.code, 0, 'curl must see the stream cut');
    assert.equal(r.body.toString(), 'first;');
    let found = false;
    for (let i = 0; i < 50 && !found; i++) {
      const logs = await g.call('GET', '/nimbus/v1/functions/streamer/logs');
      found = logs.json.events.some((e: { message: string }) =>
        /stream cut.*mid-stream failure/.test(e.message),
      );
      if (!found) await new Promise((res) => setTimeout(res, 50));
    }
    assert.ok(found, 'no log line for the mid-stream error');
    // The instance is fine afterwards.
    const again = await fetch(`${g.http}/stream?waitMs=10`);
    assert.equal(await again.text(), 'first;second');
  });

  test('streaming: the Invoke API still buffers a streamed response', async () => {
    const r = await fetch(`${g.api}/2015-03-31/functions/streamer/invocations`, {
      method: 'POST',
      body: JSON.stringify({ queryStringParameters: { waitMs: '10' } }),
    });
    const body = Buffer.from(await r.arrayBuffer());
    assert.equal(r.status, 200);
    assert.ok(body.includes(Buffer.from('"statusCode":201')));
    assert.ok(body.toString().endsWith('first;second'));
  });

  test('function URLs: Get/Update/List/Delete on the Lambda API; path form for clients that cannot set Host', async () => {
    let r = await g.call('GET', '/2021-10-31/functions/hello/url');
    assert.equal(r.status, 200);
    assert.equal(r.json.FunctionUrl, helloUrl);
    assert.equal(r.json.AuthType, 'NONE');
    assert.equal(r.json.InvokeMode, 'BUFFERED');
    assert.ok(r.json.LastModifiedTime);
    r = await g.call('GET', '/2021-10-31/functions/hello/urls');
    assert.equal(r.json.FunctionUrlConfigs.length, 1);
    r = await g.call('POST', '/2021-10-31/functions/hello/url', { AuthType: 'NONE' });
    assert.equal(r.status, 409);
    r = await g.call('POST', '/2021-10-31/functions/hello/url?Qualifier=7', { AuthType: 'NONE' });
    assert.equal(r.status, 400);
    r = await g.call('GET', '/2021-10-31/functions/nosuch/url');
    assert.equal(r.status, 404);

    const id = idOf(helloUrl);
    const viaPath = await fetch(`${g.http}/_nimbus/url/${id}/some/path?x=1`);
    assert.equal(viaPath.status, 200);
    const e = await jsonOf(viaPath);
    assert.equal(e.rawPath, '/some/path');
    assert.equal(e.routeKey, '$default');
    assert.equal(e.ctx.accountId, 'anonymous');
    assert.equal(e.ctx.domainName, `${id}.lambda-url.us-east-1.on.aws`);
    const viaHost = await curl([
      '-H',
      `Host: ${id}.lambda-url.localhost`,
      `http://127.0.0.1:${g.httpPort}/h`,
    ]);
    assert.equal(JSON.parse(viaHost.body.toString()).rawPath, '/h');

    r = await g.call('PUT', '/2021-10-31/functions/hello/url', { InvokeMode: 'RESPONSE_STREAM' });
    assert.equal(r.status, 200);
    assert.equal(r.json.InvokeMode, 'RESPONSE_STREAM');
    assert.equal(r.json.AuthType, 'NONE');
    r = await g.call('DELETE', '/2021-10-31/functions/hello/url');
    assert.equal(r.status, 204);
    assert.equal((await fetch(`${g.http}/_nimbus/url/${id}/`)).status, 404);
    r = await g.call('POST', '/2021-10-31/functions/hello/url', {
      AuthType: 'NONE',
      Cors: {
        AllowOrigins: ['https://app.example.test'],
        AllowMethods: ['GET', 'POST'],
        AllowHeaders: ['x-custom'],
        MaxAge: 600,
        ExposeHeaders: ['x-amzn-requestid'],
      },
    });
    helloUrl = r.json.FunctionUrl;
  });

  test('function URLs: CORS from the config — preflight answered by the gateway, headers on responses', async () => {
    const id = idOf(helloUrl);
    const pre = await curl([
      '-X',
      'OPTIONS',
      '-H',
      'Origin: https://app.example.test',
      '-H',
      'Access-Control-Request-Method: POST',
      '-H',
      'Access-Control-Request-Headers: X-Custom',
      `${g.http}/_nimbus/url/${id}/`,
    ]);
    assert.equal(pre.status, 204);
    assert.deepEqual(pre.headers['access-control-allow-origin'], ['https://app.example.test']);
    assert.deepEqual(pre.headers['access-control-allow-methods'], ['GET,POST']);
    assert.deepEqual(pre.headers['access-control-allow-headers'], ['x-custom']);
    assert.deepEqual(pre.headers['access-control-max-age'], ['600']);
    const denied = await curl([
      '-X',
      'OPTIONS',
      '-H',
      'Origin: https://evil.test',
      '-H',
      'Access-Control-Request-Method: POST',
      `${g.http}/_nimbus/url/${id}/`,
    ]);
    assert.equal(denied.status, 204);
    assert.equal(denied.headers['access-control-allow-origin'], undefined);
    const r = await fetch(`${g.http}/_nimbus/url/${id}/`, {
      headers: { origin: 'https://app.example.test' },
    });
    assert.equal(r.headers.get('access-control-allow-origin'), 'https://app.example.test');
    assert.equal(r.headers.get('access-control-expose-headers'), 'x-amzn-requestid');
  });

  test('function URLs: AWS_IAM needs a SigV4 signature (service lambda) by a known key', async () => {
    const id = idOf(iamUrl);
    const path = `/_nimbus/url/${id}/secret`;
    const unsigned = await fetch(`${g.http}${path}`);
    assert.equal(unsigned.status, 403);
    const key = await g.server.platform.keys.create('gateway test');
    const host = `127.0.0.1:${g.httpPort}`;
    const sign = async (secret: string, body = '') =>
      (
        await createSigner(
          { accessKeyId: key.accessKeyId, secretAccessKey: secret },
          'us-east-1',
        ).sign({
          method: 'POST',
          protocol: 'http:',
          hostname: '127.0.0.1',
          port: g.httpPort,
          path,
          query: {},
          headers: { host },
          body,
        })
      ).headers;
    const ok = await fetch(`${g.http}${path}`, {
      method: 'POST',
      headers: await sign(key.secretAccessKey, 'b'),
      body: 'b',
    });
    assert.equal(ok.status, 200, await ok.clone().text());
    const e = await jsonOf(ok);
    assert.equal(e.ctx.authorizer.iam.accessKey, key.accessKeyId);
    assert.equal(e.ctx.accountId, '000000000000');
    const bad = await fetch(`${g.http}${path}`, {
      method: 'POST',
      headers: await sign('wrong-secret', 'b'),
      body: 'b',
    });
    assert.equal(bad.status, 403);
    const tampered = await fetch(`${g.http}${path}`, {
      method: 'POST',
      headers: await sign(key.secretAccessKey, 'b'),
      body: 'c',
    });
    assert.equal(tampered.status, 403);
  });

  test('function URLs: a BUFFERED URL of a streaming handler answers the whole response', async () => {
    const r = await g.call('PUT', '/2021-10-31/functions/streamer/url', { InvokeMode: 'BUFFERED' });
    assert.equal(r.status, 200);
    const res = await fetch(`${g.http}/_nimbus/url/${idOf(streamUrl)}/?waitMs=10`);
    assert.equal(res.status, 201);
    assert.equal(res.headers.get('x-s'), 'yes');
    assert.equal(await res.text(), 'first;second');
    assert.equal(res.headers.get('content-length'), '12');
  });

  test('function URLs go when their function is deleted', async () => {
    const id = idOf(iamUrl);
    const r = await g.call('DELETE', '/2015-03-31/functions/private');
    assert.equal(r.status, 204);
    for (let i = 0; i < 20 && g.server.platform.gateway.urls.lookup(id); i++) {
      await new Promise((res) => setTimeout(res, 25));
    }
    assert.equal((await fetch(`${g.http}/_nimbus/url/${id}/`)).status, 404);
  });
});
