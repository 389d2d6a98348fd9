import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { curl, type GatewayServer, jsonOf, startGateway } from '../helpers/gateway.js';

/** Sends raw bytes and resolves everything the server answers until it closes. */
function raw(port: number, data: string, holdMs = 0): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    let out = '';
    s.on('data', (c) => {
      out += c.toString('latin1');
    });
    s.on('error', reject);
    s.on('close', () => resolve(out));
    s.write(data);
    if (holdMs === 0) s.end();
  });
}

describe('gateway: failure mapping, limits, malformed requests, slow and vanishing clients', () => {
  let g: GatewayServer;
  before(async () => {
    g = await startGateway({
      httpMaxBodyBytes: 64 * 1024,
      httpMaxHeaderBytes: 4096,
      httpHeadersTimeoutMs: 500,
      httpRequestTimeoutMs: 1000,
    });
    await g.deploy(
      'fails',
      {
        'index.js': `exports.handler = async (event) => {
        const q = event.queryStringParameters || {};
        if (q.mode === 'throw') throw new TypeError('boom');
        if (q.mode === 'exit') process.exit(3);
        if (q.mode === 'sleep') await new Promise((r) => setTimeout(r, Number(q.ms)));
        if (q.mode === 'big') return 'x'.repeat(7 * 1024 * 1024);
        return { statusCode: 200, body: 'ok ' + (event.body ? event.body.length : 0) };
      };`,
      },
      { Timeout: 1 },
    );
    await g.route({ route: 'ANY /f', function: 'fails' });
    await g.deploy('gone', { 'index.js': 'exports.handler = async () => 1;' });
    await g.route({ route: 'GET /gone', function: 'gone' });
    assert.equal((await g.call('DELETE', '/2015-03-31/functions/gone')).status, 204);
    await g.deploy('slow', {
      'index.js':
        'exports.handler = async () => { await new Promise((r) => setTimeout(r, 800)); return { statusCode: 200, body: "slow" }; };',
    });
    assert.equal(
      (
        await g.call('PUT', '/2017-10-31/functions/slow/concurrency', {
          ReservedConcurrentExecutions: 1,
        })
      ).status,
      200,
    );
    await g.route({ route: 'GET /slow', function: 'slow' });
  });
  after(async () => g.close());

  const expectJson = async (r: Response, status: number, message: RegExp) => {
    assert.equal(r.status, status);
    assert.equal(r.headers.get('content-type'), 'application/json');
    const rid = r.headers.get('x-amzn-requestid');
    assert.match(rid ?? '', /^[0-9a-f-]{36}$/);
    const b = await jsonOf(r);
    assert.match(b.message, message);
    assert.equal(b.requestId, rid);
  };

  test('function error → 502, crash → 502, timeout → 504, response too large → 502', async () => {
    await expectJson(await fetch(`${g.http}/f?mode=throw`), 502, /Internal Server Error/);
    await expectJson(await fetch(`${g.http}/f?mode=exit`), 502, /Internal Server Error/);
    await expectJson(await fetch(`${g.http}/f?mode=sleep&ms=3000`), 504, /timed out/);
    await expectJson(await fetch(`${g.http}/f?mode=big`), 502, /Internal Server Error/);
    assert.equal(await (await fetch(`${g.http}/f`)).text(), 'ok 0', 'and it works again');
  });

  test('a route whose function was deleted → 502', async () => {
    await expectJson(await fetch(`${g.http}/gone`), 502, /Internal Server Error/);
  });

  test('throttle → 429 with Retry-After', async () => {
    const [a, b] = await Promise.all([
      fetch(`${g.http}/slow`),
      new Promise<Response>((r) => setTimeout(() => r(fetch(`${g.http}/slow`)), 100)),
    ]);
    const statuses = [a.status, b.status].sort();
    assert.deepEqual(statuses, [200, 429]);
    const throttled = a.status === 429 ? a : b;
    assert.equal(throttled.headers.get('retry-after'), '1');
    await expectJson(throttled, 429, /Too Many Requests/);
  });

  test('body over the limit → 413 (Content-Length and chunked); under it → the function', async () => {
    const big = Buffer.alloc(65 * 1024, 97);
    await expectJson(await fetch(`${g.http}/f`, { method: 'POST', body: big }), 413, /Too Large/);
    const chunked = await curl(
      ['-X', 'POST', '-H', 'Transfer-Encoding: chunked', '--data-binary', '@-', `${g.http}/f`],
      big,
    );
    assert.equal(chunked.status, 413);
    const ok = await fetch(`${g.http}/f`, { method: 'POST', body: Buffer.alloc(1000, 97) });
    assert.equal(await ok.text(), 'ok 1000');
  });

  test('malformed requests → 400, headers over the limit → 431, JSON bodies, no crash', async () => {
    const garbage = await raw(g.httpPort, 'NOT HTTP AT ALL\r\n\r\n');
    assert.match(garbage, /^HTTP\/1\.1 400 /);
    assert.match(garbage, /"message":"Bad Request"/);
    const huge = await curl(['-H', `x-big: ${'a'.repeat(5000)}`, `${g.http}/f`]);
    assert.equal(huge.status, 431);
    assert.equal(JSON.parse(huge.body.toString()).message, 'Request Header Fields Too Large');
    assert.equal(await (await fetch(`${g.http}/f`)).text(), 'ok 0');
  });

  test('slow clients are cut with 408 once the head or request timeout passes', async () => {
    const t0 = performance.now();
    const answer = await raw(g.httpPort, 'GET /f HTTP/1.1\r\nHost: x\r\n', 1);
    const ms = performance.now() - t0;
    assert.match(answer, /^HTTP\/1\.1 408 /);
    assert.ok(ms < 5000, `cut after ${ms} ms`);
  });

  test('a client that goes away mid-invocation cancels nothing and leaks nothing', async () => {
    const before = g.server.platform.scheduler.stats();
    const ac = new AbortController();
    const pending = fetch(`${g.http}/f?mode=sleep&ms=300`, { signal: ac.signal }).catch(
      (e: Error) => e,
    );
    await new Promise((r) => setTimeout(r, 100));
    ac.abort();
    assert.ok((await pending) instanceof Error);
    // The invocation finishes; its instance goes back to the pool, idle.
    for (let i = 0; i < 60 && g.server.platform.scheduler.stats().busy > 0; i++) {
      await new Promise((r) => setTimeout(r, 25));
    }
    const afterStats = g.server.platform.scheduler.stats();
    assert.equal(afterStats.busy, 0);
    assert.ok(afterStats.instances <= before.instances + 1);
    assert.equal(await (await fetch(`${g.http}/f`)).text(), 'ok 0');
  });
});
