import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Platform } from '../../src/server.js';
import { lambdaCalls, logTail } from '../helpers/lambda-calls.js';
import { makeZip, testPlatform } from '../helpers/platform.js';

const RUNTIME = `nodejs${process.versions.node.split('.')[0]}.x`;

describe('Lambda API: Invoke with real sandboxed instances', () => {
  let p: Platform;
  let close: () => Promise<void>;
  before(async () => {
    ({ platform: p, close } = await testPlatform({ functionMaxConcurrency: 2, idleTtlMs: 60_000 }));
  });
  after(async () => close());

  const { inject, deploy, invoke } = lambdaCalls(() => p);
  const tail = logTail;

  test('hello: result, context, warm reuse, Tail log with START/END/REPORT and Init Duration only when cold', async () => {
    await deploy('hello', {
      'index.js': `let n = 0;
        exports.handler = async (event, context) => {
          n++;
          console.log('event name', event.name);
          return { hello: event.name, n, fn: context.functionName, version: context.functionVersion, mem: context.memoryLimitInMB,
                   arn: context.invokedFunctionArn, rid: context.awsRequestId, left: context.getRemainingTimeInMillis(),
                   group: context.logGroupName, env: process.env.AWS_LAMBDA_FUNCTION_NAME, region: process.env.AWS_REGION, task: process.env.LAMBDA_TASK_ROOT };
        };`,
    });
    const r1 = await invoke('hello', '{"name":"Ada"}', { 'X-Amz-Log-Type': 'Tail' });
    assert.equal(r1.statusCode, 200);
    assert.equal(r1.headers['x-amz-executed-version'], '$LATEST');
    assert.equal(r1.headers['x-amz-function-error'], undefined);
    const b1 = r1.json();
    assert.equal(b1.hello, 'Ada');
    assert.equal(b1.n, 1);
    assert.equal(b1.fn, 'hello');
    assert.equal(b1.version, '$LATEST');
    assert.equal(b1.mem, '128');
    assert.equal(b1.arn, 'arn:aws:lambda:us-east-1:000000000000:function:hello');
    assert.equal(b1.group, '/aws/lambda/hello');
    assert.equal(b1.env, 'hello');
    assert.equal(b1.region, 'us-east-1');
    assert.equal(b1.task, '/var/task');
    assert.ok(b1.left > 2000 && b1.left <= 3000);
    const log1 = tail(r1);
    assert.match(log1, new RegExp(`START RequestId: ${b1.rid} Version: \\$LATEST`));
    assert.match(log1, new RegExp(`\\t${b1.rid}\\tINFO\\tevent name Ada`));
    assert.match(log1, new RegExp(`END RequestId: ${b1.rid}`));
    assert.match(
      log1,
      /REPORT RequestId: .*\tDuration: [\d.]+ ms\tBilled Duration: \d+ ms\tMemory Size: 128 MB\tMax Memory Used: \d+ MB\tInit Duration: [\d.]+ ms/,
    );
    const r2 = await invoke('hello', '{"name":"Bo"}', { 'X-Amz-Log-Type': 'Tail' });
    assert.equal(r2.json().n, 2, 'the warm instance kept its module state');
    assert.doesNotMatch(tail(r2), /Init Duration/);
  });

  test('empty payload reaches the handler as {}; null result is "null"', async () => {
    await deploy('empty', {
      'index.js':
        'exports.handler = async (e) => e && Object.keys(e).length === 0 ? undefined : "not-empty";',
    });
    const r = await invoke('empty');
    assert.equal(r.statusCode, 200);
    assert.equal(r.body, 'null');
  });

  test('handler error → Unhandled with errorType/errorMessage/trace', async () => {
    await deploy('boom', {
      'index.js': 'exports.handler = async () => { throw new TypeError("requested failure"); };',
    });
    const r = await invoke('boom', '{}');
    assert.equal(r.statusCode, 200);
    assert.equal(r.headers['x-amz-function-error'], 'Unhandled');
    const e = r.json();
    assert.equal(e.errorType, 'TypeError');
    assert.equal(e.errorMessage, 'requested failure');
    assert.ok(Array.isArray(e.trace) && e.trace[0].startsWith('TypeError: requested failure'));
  });

  test('init failures: missing module, syntax error, missing export → Runtime.* errors, logged', async () => {
    await deploy('nomod', { 'other.js': 'exports.x = 1;' });
    const a = await invoke('nomod', '{}', { 'X-Amz-Log-Type': 'Tail' });
    assert.equal(a.headers['x-amz-function-error'], 'Unhandled');
    assert.equal(a.json().errorType, 'Runtime.ImportModuleError');
    assert.match(tail(a), /ImportModuleError/);
    await deploy('syntax', { 'index.js': 'exports.handler = async () => { return 1 +; };' });
    const b = await invoke('syntax', '{}');
    assert.equal(b.json().errorType, 'Runtime.UserCodeSyntaxError');
    await deploy('noexport', { 'index.js': 'exports.other = async () => 1;' });
    const c = await invoke('noexport', '{}');
    assert.equal(c.json().errorType, 'Runtime.HandlerNotFound');
  });

  test('timeout → Sandbox.Timedout near the limit; the next invocation gets a fresh instance', async () => {
    await deploy(
      'slow',
      {
        'index.js':
          'let n = 0; exports.handler = async (e) => { n++; if (e.hang) await new Promise(() => setInterval(() => {}, 1000)); return n; };',
      },
      { Timeout: 1 },
    );
    const warm = await invoke('slow', '{}');
    assert.equal(warm.body, '1');
    const t0 = performance.now();
    const r = await invoke('slow', '{"hang":true}');
    const took = performance.now() - t0;
    assert.equal(r.headers['x-amz-function-error'], 'Unhandled');
    const e = r.json();
    assert.equal(e.errorType, 'Sandbox.Timedout');
    assert.match(
      e.errorMessage,
      /^RequestId: [0-9a-f-]+ Error: Task timed out after 1\.00 seconds$/,
    );
    assert.ok(took >= 1000 && took < 1100, `answered after ${took.toFixed(0)} ms`);
    const after = await invoke('slow', '{}');
    assert.equal(after.body, '1', 'a new instance started (module state reset)');
  });

  test('crash: process.exit and an uncaught exception in a timer → Runtime.ExitError; the next invocation works', async () => {
    await deploy('crash', {
      'index.js': `exports.handler = async (e) => {
        if (e.exit) process.exit(2);
        if (e.timer) { setTimeout(() => { throw new Error('late boom'); }, 5); await new Promise((r) => setTimeout(r, 200)); }
        return 'fine';
      };`,
    });
    const a = await invoke('crash', '{"exit":true}');
    assert.equal(a.json().errorType, 'Runtime.ExitError');
    assert.match(a.json().errorMessage, /exit status 2/);
    assert.equal((await invoke('crash', '{}')).body, '"fine"');
    const b = await invoke('crash', '{"timer":true}', { 'X-Amz-Log-Type': 'Tail' });
    assert.equal(b.json().errorType, 'Runtime.ExitError');
    assert.match(tail(b), /late boom/);
    assert.equal((await invoke('crash', '{}')).body, '"fine"');
  });

  test('memory: a function that allocates past its memory size fails with Runtime.OutOfMemory', async (t) => {
    if (!p.isolation.cgroup) {
      t.skip(
        'no writable cgroup on this host: memory caps are not enforced (the server warns at start)',
      );
      return;
    }
    await deploy(
      'hog',
      {
        'index.js':
          'const keep = []; exports.handler = async () => { for (;;) keep.push(Buffer.alloc(8 << 20, 1)); };',
      },
      { MemorySize: 128 },
    );
    const r = await invoke('hog', '{}', { 'X-Amz-Log-Type': 'Tail' });
    assert.equal(r.json().errorType, 'Runtime.OutOfMemory');
    assert.match(tail(r), /Max Memory Used: 1[2-9]\d MB/);
  });

  test('concurrency: beyond the per-function limit Invoke answers 429 TooManyRequestsException', async () => {
    await deploy('busy', {
      'index.js':
        'exports.handler = async (e) => { await new Promise((r) => setTimeout(r, e.ms)); return "done"; };',
    });
    const results = await Promise.all([0, 1, 2, 3].map(() => invoke('busy', '{"ms":700}')));
    const codes = results.map((r) => r.statusCode).sort();
    assert.deepEqual(codes, [200, 200, 429, 429]);
    const throttled = results.find((r) => r.statusCode === 429)!;
    assert.equal(throttled.headers['x-amzn-errortype'], 'TooManyRequestsException');
    assert.equal(throttled.headers['retry-after'], '1');
    assert.equal(throttled.json().Reason, 'ConcurrentInvocationLimitExceeded');
    assert.equal((await invoke('busy', '{"ms":1}')).body, '"done"');
  });

  test('after UpdateFunctionCode / Configuration return, no invocation runs old code or config', async () => {
    await deploy('ver', {
      'index.js': 'exports.handler = async () => ({ v: 1, t: process.env.T ?? null });',
    });
    assert.deepEqual((await invoke('ver', '{}')).json(), { v: 1, t: null });
    const zip = await makeZip({
      'index.js': 'exports.handler = async () => ({ v: 2, t: process.env.T ?? null });',
    });
    const u = await inject({
      method: 'PUT',
      url: '/2015-03-31/functions/ver/code',
      payload: JSON.stringify({ ZipFile: zip.toString('base64') }),
    });
    assert.equal(u.statusCode, 200);
    assert.deepEqual((await invoke('ver', '{}')).json(), { v: 2, t: null });
    const c = await inject({
      method: 'PUT',
      url: '/2015-03-31/functions/ver/configuration',
      payload: JSON.stringify({ Environment: { Variables: { T: 'x' } } }),
    });
    assert.equal(c.statusCode, 200);
    assert.deepEqual((await invoke('ver', '{}')).json(), { v: 2, t: 'x' });
  });

  test('initializer (Function Compute): runs once per instance; on failure the next invocation retries in a fresh instance', async () => {
    const zip = await makeZip({
      'index.js': `let inits = 0;
        exports.init = (context, callback) => { inits++; if (process.env.FAIL === '1') return callback(new Error('init says no')); callback(null, ''); };
        exports.handler = async () => ({ inits });`,
    });
    const dep = await inject({
      method: 'PUT',
      url: '/nimbus/v1/functions/initfn',
      payload: {
        zipFile: zip.toString('base64'),
        runtime: RUNTIME,
        handler: 'index.handler',
        initializer: 'index.init',
        env: { FAIL: '1' },
      },
    });
    assert.equal(dep.statusCode, 201);
    const bad = await invoke('initfn', '{}');
    assert.equal(bad.headers['x-amz-function-error'], 'Unhandled');
    assert.equal(bad.json().errorType, 'Runtime.InitializerError');
    assert.match(bad.json().errorMessage, /init says no/);
    const again = await invoke('initfn', '{}');
    assert.equal(
      again.json().errorType,
      'Runtime.InitializerError',
      'a fresh instance tried init again',
    );
    await inject({
      method: 'PUT',
      url: '/nimbus/v1/functions/initfn',
      payload: { env: { FAIL: '0' } },
    });
    assert.deepEqual((await invoke('initfn', '{}')).json(), { inits: 1 });
    assert.deepEqual(
      (await invoke('initfn', '{}')).json(),
      { inits: 1 },
      'the initializer ran once for the instance',
    );
  });

  test('bad invoke input: unknown function 404, qualifier mismatch, oversize payload 413, bad client context; Event 202, DryRun 204', async () => {
    const nf = await invoke('nosuchfn', '{}');
    assert.equal(nf.statusCode, 404);
    assert.equal(
      nf.json().Message,
      'Function not found: arn:aws:lambda:us-east-1:000000000000:function:nosuchfn',
    );
    const mismatch = await inject({
      method: 'POST',
      url: '/2015-03-31/functions/hello%3A1/invocations?Qualifier=2',
      payload: '{}',
    });
    assert.equal(mismatch.statusCode, 400);
    assert.match(mismatch.json().Message, /derived qualifier/);
    const big = await invoke('hello', 'x'.repeat(6 * 1024 * 1024 + 10));
    assert.equal(big.statusCode, 413);
    assert.equal(big.headers['x-amzn-errortype'], 'RequestTooLargeException');
    const cc = await invoke('hello', '{}', {
      'X-Amz-Client-Context': Buffer.from('not json').toString('base64'),
    });
    assert.equal(cc.statusCode, 400);
    const ev = await invoke('hello', '{}', { 'X-Amz-Invocation-Type': 'Event' });
    assert.equal(
      ev.statusCode,
      202,
      'Event invocations are accepted (delivery is tested in async.test.ts)',
    );
    const dry = await invoke('hello', '{}', { 'X-Amz-Invocation-Type': 'DryRun' });
    assert.equal(dry.statusCode, 204);
  });

  test('logs are stored per function and queryable through the native API', async () => {
    await deploy('logger', {
      'index.js':
        'exports.handler = async (e) => { console.log("line", e.i); console.error("oops", e.i); return e.i; };',
    });
    const r = await invoke('logger', '{"i":7}');
    const rid = r.headers['x-amzn-requestid'];
    await p.logs.flush();
    const q = await inject({
      method: 'GET',
      url: `/nimbus/v1/functions/logger/logs?requestId=${rid}`,
    });
    assert.equal(q.statusCode, 200);
    const msgs = q.json().events.map((e: { message: string }) => e.message);
    assert.ok(msgs.some((m: string) => /\tINFO\tline 7$/.test(m)));
    assert.ok(msgs.some((m: string) => /\tERROR\toops 7$/.test(m)));
    assert.ok(msgs[0].startsWith('START'));
    assert.ok(msgs.at(-1).startsWith('REPORT'));
  });
});
