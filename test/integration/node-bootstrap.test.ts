// Nimbus's Node.js runtime (runtimes/node/bootstrap.mjs) as a plain child process against a
// fake Runtime API: what a function sees, what the platform receives, what the logs say.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import {
  FakeRuntimeApi,
  type FakeRuntimeApiOptions,
  type QueuedInvocation,
  type RecordedPost,
} from '../helpers/fake-runtime-api.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const BOOTSTRAP = path.join(ROOT, 'runtimes/node/bootstrap.mjs');
const FIXTURES = path.join(ROOT, 'test/fixtures/node-bootstrap');
const WAIT_MS = 15_000;
const ISO_TIME = String.raw`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z`;

const FUNCTION_ENV = {
  TZ: ':UTC',
  LANG: 'en_US.UTF-8',
  AWS_REGION: 'eu-west-1',
  AWS_DEFAULT_REGION: 'eu-west-1',
  AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs20.x',
  AWS_LAMBDA_FUNCTION_NAME: 'hello',
  AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '256',
  AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
  AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
  AWS_LAMBDA_LOG_GROUP_NAME: '/aws/lambda/hello',
  AWS_LAMBDA_LOG_STREAM_NAME: '2026/01/02/[$LATEST]0123456789abcdef0123456789abcdef',
  AWS_ACCESS_KEY_ID: 'AKIDNIMBUS',
  AWS_SECRET_ACCESS_KEY: 'secret-key',
  AWS_SESSION_TOKEN: 'session-token',
  LAMBDA_RUNTIME_DIR: path.join(ROOT, 'runtimes/node'),
  NIMBUS_ACCOUNT_ID: '123456789012',
  NIMBUS_SERVICE_NAME: 'default',
  NIMBUS_QUALIFIER: '$LATEST',
  NIMBUS_FUNCTION_TIMEOUT_S: '3',
  NIMBUS_INITIALIZATION_TIMEOUT_S: '5',
};

interface Runtime {
  api: FakeRuntimeApi;
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** everything the runtime wrote to stdout and stderr (one file, as the sandbox's `2>&1`) */
  output(): string;
}

interface StartOptions {
  /** a folder under test/fixtures/node-bootstrap, or an absolute path */
  fixture: string;
  handler: string;
  env?: Record<string, string>;
  /** serve the Runtime API on 127.0.0.1 and pass only AWS_LAMBDA_RUNTIME_API */
  tcp?: boolean;
  /** how the fake Runtime API answers */
  api?: Omit<FakeRuntimeApiOptions, 'snapshot' | 'tcp'>;
}

/** Spawns the bootstrap; the test's cleanup kills it and closes the fake API. */
async function startRuntime(t: TestContext, options: StartOptions): Promise<Runtime> {
  const dir = mkdtempSync(path.join(tmpdir(), 'nimbus-node-bootstrap-'));
  const logFile = path.join(dir, 'output.log');
  writeFileSync(logFile, '');
  const output = () => readFileSync(logFile, 'utf8');
  const api = await FakeRuntimeApi.start({
    ...options.api,
    snapshot: output,
    tcp: options.tcp ?? false,
  });
  const taskRoot = path.isAbsolute(options.fixture)
    ? options.fixture
    : path.join(FIXTURES, options.fixture);
  const transport = api.socketPath
    ? { NIMBUS_RUNTIME_SOCKET: api.socketPath, AWS_LAMBDA_RUNTIME_API: '127.0.0.1:9' }
    : { AWS_LAMBDA_RUNTIME_API: api.address };
  // A file, not a pipe: a snapshot taken when a POST arrives holds every byte written before.
  const fd = openSync(logFile, 'a');
  const child = spawn(process.execPath, [BOOTSTRAP], {
    cwd: taskRoot,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      ...FUNCTION_ENV,
      _HANDLER: options.handler,
      LAMBDA_TASK_ROOT: taskRoot,
      ...transport,
      ...options.env,
    },
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
    await api.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { api, child, exited, output };
}

/** Fails instead of hanging when the runtime never answers. */
async function within<T>(promise: Promise<T>, what: string, ms = WAIT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: nothing after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function invoke(rt: Runtime, invocation: QueuedInvocation = {}): Promise<RecordedPost> {
  const id = rt.api.enqueue(invocation);
  return within(rt.api.result(id), `result of ${id}`);
}

function json(post: RecordedPost): unknown {
  return JSON.parse(post.body.toString('utf8'));
}

/** Output lines of one request id, as `[level, message]`. */
function linesOf(output: string, requestId: string): [string, string][] {
  return output
    .split('\n')
    .filter((line) => line.split('\t')[1] === requestId)
    .map((line) => {
      const [, , level = '', ...message] = line.split('\t');
      return [level, message.join('\t')];
    });
}

const marker = (requestId: string) => `\u0000NIMBUS-END ${requestId}\n`;

describe('node bootstrap: calling the handler', () => {
  it('gives an async CommonJS handler the event and the Lambda context', async (t) => {
    const rt = await startRuntime(t, { fixture: 'cjs', handler: 'index.handler' });
    const post = await invoke(rt, {
      requestId: 'req-ctx-1',
      body: '{"hello":"world"}',
      timeoutMs: 5000,
      headers: {
        'Lambda-Runtime-Invoked-Function-Arn':
          'arn:aws:lambda:eu-west-1:123456789012:function:hello:live',
        'Lambda-Runtime-Client-Context': '{"client":{"app":"x"},"custom":{"k":"v"},"env":{}}',
        'Lambda-Runtime-Cognito-Identity':
          '{"cognitoIdentityId":"id-1","cognitoIdentityPoolId":"pool-1"}',
      },
    });
    assert.equal(post.kind, 'response');
    assert.equal(post.headers['content-type'], 'application/json');
    const result = json(post) as {
      event: unknown;
      context: Record<string, unknown> & { remainingMs: number };
    };
    assert.deepEqual(result.event, { hello: 'world' });
    const { remainingMs, ...context } = result.context;
    assert.deepEqual(context, {
      functionName: 'hello',
      functionVersion: '$LATEST',
      invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:hello:live',
      memoryLimitInMB: '256',
      awsRequestId: 'req-ctx-1',
      logGroupName: '/aws/lambda/hello',
      logStreamName: '2026/01/02/[$LATEST]0123456789abcdef0123456789abcdef',
      clientContext: { client: { app: 'x' }, custom: { k: 'v' }, env: {} },
      identity: { cognitoIdentityId: 'id-1', cognitoIdentityPoolId: 'pool-1' },
      callbackWaitsForEmptyEventLoop: true,
    });
    assert.ok(remainingMs > 1000 && remainingMs <= 5000, `remaining ${remainingMs} ms of 5000`);
  });

  it('keeps module state warm across invocations on one keep-alive connection', async (t) => {
    const rt = await startRuntime(t, { fixture: 'cjs', handler: 'index.handler' });
    const first = json(await invoke(rt)) as { invocations: number };
    const second = json(await invoke(rt)) as { invocations: number };
    assert.equal(first.invocations, 1);
    assert.equal(second.invocations, 2);
    assert.equal(rt.api.connections, 1);
  });

  it('sets _X_AMZN_TRACE_ID from the trace header and deletes it when absent', async (t) => {
    const rt = await startRuntime(t, { fixture: 'cjs', handler: 'index.handler' });
    const traceId = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1';
    const traced = json(await invoke(rt, { headers: { 'Lambda-Runtime-Trace-Id': traceId } }));
    const untraced = json(await invoke(rt));
    assert.equal((traced as { traceId: string }).traceId, traceId);
    assert.equal((untraced as { traceId: null }).traceId, null);
  });

  it("passes the function's environment and runs in the task root", async (t) => {
    const rt = await startRuntime(t, {
      fixture: 'cjs',
      handler: 'index.env',
      env: { MY_SETTING: 'forty-two' },
    });
    assert.deepEqual(json(await invoke(rt)), {
      MY_SETTING: 'forty-two',
      AWS_REGION: 'eu-west-1',
      LAMBDA_TASK_ROOT: path.join(FIXTURES, 'cjs'),
      cwd: path.join(FIXTURES, 'cjs'),
    });
  });

  const modules: [string, string, string, unknown][] = [
    ['an ES module (.mjs)', 'esm-mjs', 'handler.handler', { module: 'mjs', event: {} }],
    ['a .js ES module under "type": "module"', 'esm-js', 'app.handler', { module: 'esm' }],
    ['a .cjs module as CommonJS', 'cjs-ext', 'handler.handler', { module: 'cjs' }],
    [
      'a module in a nested directory',
      'nested',
      'src/api/handler.main',
      { file: 'src/api/handler.js' },
    ],
    ['a directory with an index', 'nested', 'lib.handler', { file: 'lib/index.mjs' }],
    ['a directory with a package.json main', 'nested', 'pkg.handler', { file: 'pkg/main.js' }],
    ['a nested export path', 'cjs', 'index.nested.deep.fn', 'nested export'],
  ];
  for (const [what, fixture, handler, expected] of modules) {
    it(`loads ${what} (${handler})`, async (t) => {
      const rt = await startRuntime(t, { fixture, handler });
      assert.deepEqual(json(await invoke(rt)), expected);
    });
  }

  it('answers promise-returning, callback and context.succeed/done handlers', async (t) => {
    for (const [handler, expected] of [
      ['index.promise', { via: 'promise', event: { n: 1 } }],
      ['index.callback', { via: 'callback', event: { n: 1 } }],
      ['index.succeed', { via: 'succeed' }],
      ['index.done', { via: 'done' }],
    ] as const) {
      const rt = await startRuntime(t, { fixture: 'cjs', handler });
      assert.deepEqual(json(await invoke(rt, { body: '{"n":1}' })), expected, handler);
    }
  });

  it('answers a callback only once the event loop is empty', async (t) => {
    const rt = await startRuntime(t, { fixture: 'cjs', handler: 'index.callbackWaits' });
    const id = 'req-waits';
    const post = await invoke(rt, { requestId: id });
    assert.equal(json(post), 'waited');
    assert.deepEqual(linesOf(post.snapshotAtArrival, id), [['INFO', 'timer fired']]);
  });

  it('answers at once when callbackWaitsForEmptyEventLoop is false', async (t) => {
    const rt = await startRuntime(t, { fixture: 'cjs', handler: 'index.callbackNoWait' });
    const post = await invoke(rt, { requestId: 'req-nowait' });
    assert.equal(json(post), 'did not wait');
    assert.doesNotMatch(post.snapshotAtArrival, /late timer fired/);
  });

  it('turns an empty event body into {} and an undefined result into null', async (t) => {
    const echo = await startRuntime(t, { fixture: 'esm-mjs', handler: 'handler.handler' });
    assert.deepEqual(json(await invoke(echo, { body: '' })), { module: 'mjs', event: {} });
    const nothing = await startRuntime(t, { fixture: 'cjs', handler: 'index.nothing' });
    assert.equal((await invoke(nothing)).body.toString(), 'null');
  });
});

describe('node bootstrap: invocation errors', () => {
  it('posts a thrown error as {errorType, errorMessage, trace} and logs it', async (t) => {
    const rt = await startRuntime(t, { fixture: 'cjs', handler: 'index.typeError' });
    const post = await invoke(rt, { requestId: 'req-err' });
    assert.equal(post.kind, 'error');
    const body = json(post) as { errorType: string; errorMessage: string; trace: string[] };
    assert.equal(body.errorType, 'TypeError');
    assert.equal(body.errorMessage, "Cannot read properties of null (reading 'property')");
    assert.match(body.trace[0] ?? '', /^TypeError: Cannot read properties of null/);
    assert.ok(body.trace.some((line) => line.includes('cjs/index.js')));
    const [line] = linesOf(rt.output(), 'req-err');
    assert.equal(line?.[0], 'ERROR');
    assert.match(line?.[1] ?? '', /^Invoke Error \t\{"errorType":"TypeError"/);
  });

  it('reports a thrown string with errorType "string", as the Node RIC does', async (t) => {
    const rt = await startRuntime(t, { fixture: 'cjs', handler: 'index.throwString' });
    assert.deepEqual(json(await invoke(rt)), {
      errorType: 'string',
      errorMessage: 'nope',
      trace: [],
    });
  });

  it('reports callback(err) and context.fail(err)', async (t) => {
    const cb = await startRuntime(t, { fixture: 'cjs', handler: 'index.callbackError' });
    const viaCallback = json(await invoke(cb)) as { errorType: string; errorMessage: string };
    assert.deepEqual(
      [viaCallback.errorType, viaCallback.errorMessage],
      ['RangeError', 'called back an error'],
    );
    const fail = await startRuntime(t, { fixture: 'cjs', handler: 'index.fail' });
    const viaFail = json(await invoke(fail)) as { errorType: string; errorMessage: string };
    assert.deepEqual(
      [viaFail.errorType, viaFail.errorMessage],
      ['Error', 'failed via context.fail'],
    );
  });

  it('reports an unserializable (circular) result as an error', async (t) => {
    const rt = await startRuntime(t, { fixture: 'cjs', handler: 'index.circular' });
    const post = await invoke(rt);
    assert.equal(post.kind, 'error');
    assert.equal(
      (json(post) as { errorMessage: string }).errorMessage,
      'Unable to stringify response body',
    );
  });

  it('reports an event that is not JSON as an invocation error', async (t) => {
    const rt = await startRuntime(t, { fixture: 'cjs', handler: 'index.handler' });
    const post = await invoke(rt, { body: '{not json' });
    assert.equal(post.kind, 'error');
    assert.equal((json(post) as { errorType: string }).errorType, 'SyntaxError');
    // The runtime survives and serves the next event.
    assert.equal((await invoke(rt, { body: '{}' })).kind, 'response');
  });

  it('reports an async handler whose promise can never settle as Runtime.NodeJsExit', async (t) => {
    const rt = await startRuntime(t, { fixture: 'cjs', handler: 'index.neverSettles' });
    const post = await invoke(rt);
    assert.equal(post.kind, 'error');
    assert.equal((json(post) as { errorType: string }).errorType, 'Runtime.NodeJsExit');
  });

  it('logs an uncaught exception from a timer and exits with 129', async (t) => {
    const rt = await startRuntime(t, { fixture: 'cjs', handler: 'index.crashLater' });
    rt.api.enqueue({ requestId: 'req-crash' });
    assert.deepEqual(await within(rt.exited, 'exit'), { code: 129, signal: null });
    assert.equal(rt.api.posts.length, 0);
    const [line] = linesOf(rt.output(), 'req-crash');
    assert.equal(line?.[0], 'ERROR');
    assert.match(
      line?.[1] ?? '',
      /^Uncaught Exception \t\{"errorType":"Error","errorMessage":"thrown from a timer","stack":\["Error: thrown from a timer"/,
    );
  });

  it('logs an unhandled rejection and exits with 129', async (t) => {
    const rt = await startRuntime(t, { fixture: 'cjs', handler: 'index.rejectLater' });
    rt.api.enqueue({ requestId: 'req-reject' });
    assert.deepEqual(await within(rt.exited, 'exit'), { code: 129, signal: null });
    const [line] = linesOf(rt.output(), 'req-reject');
    assert.match(
      line?.[1] ?? '',
      /^Unhandled Promise Rejection \t\{"errorType":"Runtime.UnhandledPromiseRejection","errorMessage":"Error: nobody caught me"/,
    );
  });
});

describe('node bootstrap: init errors', () => {
  const syntaxErrorRoot = (t: TestContext) => {
    // Written at test time: a fixture file with a syntax error would break `biome check .`.
    const dir = mkdtempSync(path.join(tmpdir(), 'nimbus-syntax-'));
    writeFileSync(path.join(dir, 'index.js'), 'exports.handler = async () => {\n  return (;\n};\n');
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    return dir;
  };
  const cases: {
    what: string;
    fixture: string | ((t: TestContext) => string);
    handler: string;
    errorType: string;
    message: RegExp;
  }[] = [
    {
      what: 'a missing module',
      fixture: 'cjs',
      handler: 'nosuch.handler',
      errorType: 'Runtime.ImportModuleError',
      message: /^Error: Cannot find module 'nosuch'/,
    },
    {
      what: 'a module that throws while loading',
      fixture: 'load-failures',
      handler: 'throws.handler',
      errorType: 'Runtime.ImportModuleError',
      message: /^Error: boom at load$/,
    },
    {
      what: 'a syntax error',
      fixture: syntaxErrorRoot,
      handler: 'index.handler',
      errorType: 'Runtime.UserCodeSyntaxError',
      message: /^SyntaxError: Unexpected token/,
    },
    {
      what: 'a missing export',
      fixture: 'cjs',
      handler: 'index.nope',
      errorType: 'Runtime.HandlerNotFound',
      message: /^index\.nope is undefined or not exported$/,
    },
    {
      what: 'an export that is not a function',
      fixture: 'cjs',
      handler: 'index.notAFunction',
      errorType: 'Runtime.HandlerNotFound',
      message: /^index\.notAFunction is not a function$/,
    },
    {
      what: 'a handler name without a dot',
      fixture: 'cjs',
      handler: 'index',
      errorType: 'Runtime.MalformedHandlerName',
      message: /^Bad handler$/,
    },
    {
      what: 'a handler name leaving the task root',
      fixture: 'cjs',
      handler: '../esm-mjs/handler.handler',
      errorType: 'Runtime.MalformedHandlerName',
      message: /is not a valid handler name/,
    },
  ];
  for (const c of cases) {
    it(`posts ${c.errorType} to /init/error for ${c.what}, logs it and exits 1`, async (t) => {
      const fixture = typeof c.fixture === 'function' ? c.fixture(t) : c.fixture;
      const rt = await startRuntime(t, { fixture, handler: c.handler });
      const post = await within(rt.api.initErrorPost(), 'init error');
      assert.equal(post.headers['lambda-runtime-function-error-type'], c.errorType);
      const body = json(post) as { errorType: string; errorMessage: string; trace: string[] };
      assert.equal(body.errorType, c.errorType);
      assert.match(body.errorMessage, c.message);
      assert.ok(Array.isArray(body.trace));
      assert.deepEqual(await within(rt.exited, 'exit'), { code: 1, signal: null });
      assert.equal(rt.api.nextPolls, 0);
      const logged = linesOf(rt.output(), 'undefined').find(([, m]) =>
        m.startsWith('Uncaught Exception'),
      );
      assert.equal(logged?.[0], 'ERROR');
      assert.ok(logged?.[1].includes(`"errorType":"${c.errorType}"`), logged?.[1]);
    });
  }
});

describe('node bootstrap: logs', () => {
  it('writes console calls as Lambda text lines: time, request id, level, \\r for newlines', async (t) => {
    const rt = await startRuntime(t, { fixture: 'cjs', handler: 'index.logs' });
    await invoke(rt, { requestId: 'req-logs' });
    const lines = rt.output().split('\n');
    const mine = lines.filter((line) => line.includes('\treq-logs\t'));
    assert.deepEqual(
      mine.map((line) => line.replace(new RegExp(`^${ISO_TIME}\\t`), '<time>\t')),
      [
        '<time>\treq-logs\tINFO\tlog line\rwith newline { a: 1 }',
        '<time>\treq-logs\tINFO\tinfo n=5',
        '<time>\treq-logs\tWARN\twarn line',
        '<time>\treq-logs\tERROR\terror line',
        '<time>\treq-logs\tDEBUG\tdebug line',
        '<time>\treq-logs\tTRACE\ttrace line',
      ],
    );
  });

  it('prints "undefined" as the request id of init lines', async (t) => {
    const rt = await startRuntime(t, { fixture: 'cjs', handler: 'index.handler' });
    await within(rt.api.polled(1), 'first /next');
    assert.match(
      rt.output(),
      new RegExp(`^${ISO_TIME}\\tundefined\\tINFO\\tinit line\\rsecond line\\n`),
    );
  });

  it('drops lines below AWS_LAMBDA_LOG_LEVEL', async (t) => {
    const rt = await startRuntime(t, {
      fixture: 'cjs',
      handler: 'index.logs',
      env: { AWS_LAMBDA_LOG_LEVEL: 'WARN' },
    });
    await invoke(rt, { requestId: 'req-warn' });
    assert.deepEqual(
      linesOf(rt.output(), 'req-warn').map(([level]) => level),
      ['WARN', 'ERROR'],
    );
  });

  it('writes the end marker after the handler’s lines and before posting the response', async (t) => {
    const rt = await startRuntime(t, { fixture: 'cjs', handler: 'index.logs' });
    const post = await invoke(rt, { requestId: 'req-marker' });
    const before = post.snapshotAtArrival;
    assert.ok(before.endsWith(marker('req-marker')), JSON.stringify(before.slice(-80)));
    assert.ok(before.indexOf('trace line') < before.indexOf(marker('req-marker')));
  });

  it('writes the end marker before posting an error too', async (t) => {
    const rt = await startRuntime(t, { fixture: 'cjs', handler: 'index.typeError' });
    const post = await invoke(rt, { requestId: 'req-marker-err' });
    assert.equal(post.kind, 'error');
    assert.ok(post.snapshotAtArrival.endsWith(marker('req-marker-err')));
  });
});

describe('node bootstrap: Function Compute flavour', () => {
  const fc = { NIMBUS_FLAVOUR: 'fc' };

  it('passes the raw body as a Buffer', async (t) => {
    const rt = await startRuntime(t, { fixture: 'fc', handler: 'index.event', env: fc });
    assert.deepEqual(json(await invoke(rt, { body: 'not json at all' })), {
      isBuffer: true,
      text: 'not json at all',
    });
  });

  it('returns a callback Buffer byte for byte, a string as is, a number via String()', async (t) => {
    const buffer = await startRuntime(t, { fixture: 'fc', handler: 'index.buffer', env: fc });
    assert.deepEqual([...(await invoke(buffer)).body], [0xff, 0x00, 0x01, 0x80]);
    const text = await startRuntime(t, { fixture: 'fc', handler: 'index.string', env: fc });
    assert.equal((await invoke(text)).body.toString(), 'plain text, not JSON');
    const number = await startRuntime(t, { fixture: 'fc', handler: 'index.number', env: fc });
    assert.equal((await invoke(number)).body.toString(), '42');
  });

  it('reports callback(err) as an invocation error', async (t) => {
    const rt = await startRuntime(t, { fixture: 'fc', handler: 'index.error', env: fc });
    const post = await invoke(rt);
    assert.equal(post.kind, 'error');
    const body = json(post) as { errorType: string; errorMessage: string };
    assert.deepEqual([body.errorType, body.errorMessage], ['TypeError', 'fc failure']);
  });

  it('gives the FC context: request id, credentials, function, service, region, logger', async (t) => {
    const rt = await startRuntime(t, {
      fixture: 'fc',
      handler: 'index.context',
      env: { ...fc, NIMBUS_QUALIFIER: 'prod', AWS_LAMBDA_FUNCTION_VERSION: '7' },
    });
    const post = await invoke(rt, { requestId: 'req-fc-ctx' });
    assert.deepEqual(json(post), {
      requestId: 'req-fc-ctx',
      credentials: {
        accessKeyId: 'AKIDNIMBUS',
        accessKeySecret: 'secret-key',
        securityToken: 'session-token',
      },
      function: {
        name: 'hello',
        handler: 'index.context',
        memory: 256,
        timeout: 3,
        initializationTimeout: 5,
      },
      service: {
        name: 'default',
        logProject: '/aws/lambda/hello',
        logStore: '2026/01/02/[$LATEST]0123456789abcdef0123456789abcdef',
        qualifier: 'prod',
        versionId: '7',
      },
      region: 'eu-west-1',
      accountId: '123456789012',
      loggerMethods: ['debug', 'error', 'fatal', 'info', 'log', 'trace', 'warn'],
    });
    assert.deepEqual(linesOf(rt.output(), 'req-fc-ctx')[0], ['INFO', 'from the FC logger']);
  });

  it('runs the initializer once, before the first invocation', async (t) => {
    const rt = await startRuntime(t, {
      fixture: 'fc',
      handler: 'index.initialized',
      env: { ...fc, NIMBUS_INITIALIZER: 'index.initializer' },
    });
    const first = json(await invoke(rt)) as { requestId: string; functionName: string };
    const second = json(await invoke(rt));
    assert.equal(first.functionName, 'hello');
    assert.match(first.requestId, /^[0-9a-f-]{36}$/);
    assert.deepEqual(second, first);
  });

  it('reports a failing initializer as Runtime.InitializerError and exits 1', async (t) => {
    const rt = await startRuntime(t, {
      fixture: 'fc',
      handler: 'index.initialized',
      env: { ...fc, NIMBUS_INITIALIZER: 'index.failingInitializer' },
    });
    const post = await within(rt.api.initErrorPost(), 'init error');
    assert.equal(post.headers['lambda-runtime-function-error-type'], 'Runtime.InitializerError');
    const body = json(post) as { errorType: string; errorMessage: string };
    assert.deepEqual(
      [body.errorType, body.errorMessage],
      ['Runtime.InitializerError', 'Error: initializer says no'],
    );
    assert.deepEqual(await within(rt.exited, 'exit'), { code: 1, signal: null });
    assert.equal(rt.api.nextPolls, 0);
  });

  it('runs an initializer in the lambda flavour too, with a Lambda-like context', async (t) => {
    const rt = await startRuntime(t, {
      fixture: 'cjs',
      handler: 'index.initialized',
      env: { NIMBUS_INITIALIZER: 'index.initializer' },
    });
    const result = json(await invoke(rt)) as { functionName: string; remainingMs: number };
    assert.equal(result.functionName, 'hello');
    assert.ok(result.remainingMs > 0 && result.remainingMs <= 5000, String(result.remainingMs));
  });
});

describe('node bootstrap: response streaming', () => {
  it('streams chunks to the platform as they are written', async (t) => {
    const rt = await startRuntime(t, { fixture: 'streaming', handler: 'index.progressive' });
    const post = await invoke(rt, { requestId: 'req-stream' });
    assert.equal(post.kind, 'response');
    assert.equal(post.headers['lambda-runtime-function-response-mode'], 'streaming');
    assert.equal(post.headers['transfer-encoding'], 'chunked');
    assert.equal(
      post.headers.trailer,
      'Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body',
    );
    assert.equal(post.headers['content-type'], 'application/octet-stream');
    assert.equal(post.body.toString(), 'first chunk;second chunk');
    const first = post.chunks[0];
    assert.equal(first?.data.toString(), 'first chunk;');
    // The handler sleeps 400 ms between its two writes.
    assert.ok(post.endedAtMs - (first?.atMs ?? 0) >= 200, 'first chunk arrived before the end');
    assert.deepEqual(post.trailers, {});
  });

  it('writes the end marker after the handler’s lines and before the stream ends', async (t) => {
    const rt = await startRuntime(t, { fixture: 'streaming', handler: 'index.progressive' });
    const post = await invoke(rt, { requestId: 'req-stream-marker' });
    const atEnd = post.snapshotAtEnd;
    assert.ok(atEnd.endsWith(marker('req-stream-marker')), JSON.stringify(atEnd.slice(-80)));
    assert.ok(
      atEnd.indexOf('about to end the stream') < atEnd.indexOf(marker('req-stream-marker')),
    );
    assert.ok(!post.snapshotAtArrival.includes(marker('req-stream-marker')));
  });

  it('sends the HttpResponseStream prelude, 8 NUL bytes, then the body', async (t) => {
    const rt = await startRuntime(t, { fixture: 'streaming', handler: 'index.http' });
    const post = await invoke(rt);
    assert.equal(
      post.headers['content-type'],
      'application/vnd.awslambda.http-integration-response',
    );
    const prelude = '{"statusCode":201,"headers":{"x-a":"b"},"cookies":["c=1"]}';
    assert.deepEqual(
      post.body,
      Buffer.concat([Buffer.from(prelude), Buffer.alloc(8), Buffer.from('part1;part2')]),
    );
  });

  it('uses the content type the handler sets', async (t) => {
    const rt = await startRuntime(t, { fixture: 'streaming', handler: 'index.contentType' });
    const post = await invoke(rt);
    assert.equal(post.headers['content-type'], 'text/plain');
    assert.equal(post.body.toString(), 'typed');
  });

  it('puts a mid-stream error in the trailers, base64 JSON', async (t) => {
    const rt = await startRuntime(t, { fixture: 'streaming', handler: 'index.failing' });
    const post = await invoke(rt, { requestId: 'req-stream-fail' });
    assert.equal(post.body.toString(), 'partial');
    assert.equal(post.trailers['lambda-runtime-function-error-type'], 'Error');
    const encoded = post.trailers['lambda-runtime-function-error-body'] ?? '';
    const error = JSON.parse(Buffer.from(encoded, 'base64').toString()) as Record<string, unknown>;
    assert.equal(error.errorType, 'Error');
    assert.equal(error.errorMessage, 'mid-stream failure');
    assert.ok(Array.isArray(error.trace));
    assert.ok(post.snapshotAtEnd.endsWith(marker('req-stream-fail')));
    // The runtime goes on to the next event.
    assert.equal((await invoke(rt)).body.toString(), 'partial');
  });

  it('rejects a streamified handler that is not async, in the trailers', async (t) => {
    const rt = await startRuntime(t, { fixture: 'streaming', handler: 'index.notAsync' });
    const post = await invoke(rt);
    assert.equal(
      post.trailers['lambda-runtime-function-error-type'],
      'Runtime.MalformedStreamingHandler',
    );
  });
});

describe('node bootstrap: transport', () => {
  it('speaks TCP to AWS_LAMBDA_RUNTIME_API when no socket is given', async (t) => {
    const rt = await startRuntime(t, { fixture: 'esm-mjs', handler: 'handler.handler', tcp: true });
    assert.deepEqual(json(await invoke(rt, { body: '{"over":"tcp"}' })), {
      module: 'mjs',
      event: { over: 'tcp' },
    });
  });

  it('reads an event sent with chunked transfer encoding', async (t) => {
    const rt = await startRuntime(t, {
      fixture: 'esm-mjs',
      handler: 'handler.handler',
      api: { chunked: true },
    });
    const event = { text: 'x'.repeat(100_000), n: 1 };
    const post = await invoke(rt, { body: JSON.stringify(event) });
    assert.deepEqual(json(post), { module: 'mjs', event });
  });

  it('asks for the next event in the same write as its answer (pipelined), on one connection', async (t) => {
    const rt = await startRuntime(t, { fixture: 'cjs', handler: 'index.handler' });
    const first = await invoke(rt);
    // The answer's body had not been read to its end when the next /next was already in.
    assert.equal(first.nextPollsAtEnd, 2);
    const second = json(await invoke(rt)) as { invocations: number };
    assert.equal(second.invocations, 2);
    const failed = await invoke(rt, { body: 'not json' });
    assert.equal(failed.kind, 'error');
    assert.equal(failed.nextPollsAtEnd, 4, 'an error answer pipelines its /next too');
    assert.equal((json(await invoke(rt)) as { invocations: number }).invocations, 3);
    assert.equal(rt.api.connections, 1);
  });

  it('reconnects when the platform closes the connection after each answer', async (t) => {
    const rt = await startRuntime(t, {
      fixture: 'cjs',
      handler: 'index.handler',
      api: { closeConnections: true },
    });
    const first = json(await invoke(rt)) as { invocations: number };
    const second = json(await invoke(rt)) as { invocations: number };
    assert.deepEqual([first.invocations, second.invocations], [1, 2]);
    assert.ok(rt.api.connections >= 4, `${rt.api.connections} connections`);
  });
});
