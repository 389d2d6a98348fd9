import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Platform } from '../../src/server.js';
import { hostPythonVersion } from '../../src/shared/runtimes.js';
import { lambdaCalls, logTail } from '../helpers/lambda-calls.js';
import { createBody, testPlatform } from '../helpers/platform.js';

const host = hostPythonVersion();
const PY = host ? `python3.${host.minor}` : 'python3.none';
const NO_PYTHON = host ? false : 'no /usr/bin/python3 on this host';

describe('Lambda API: the Python runtime with real sandboxed instances', {
  skip: NO_PYTHON,
}, () => {
  let p: Platform;
  let close: () => Promise<void>;
  before(async () => {
    ({ platform: p, close } = await testPlatform({ functionMaxConcurrency: 2, idleTtlMs: 60_000 }));
  });
  after(async () => close());

  const { inject, deploy, invoke } = lambdaCalls(() => p, {
    createDefaults: { Runtime: PY, Handler: 'app.handler' },
    tail: true,
  });
  const tail = logTail;

  test('python: echo, every context field, environment and search path; warm state; Init Duration only when cold', async () => {
    await deploy('pyhello', {
      'app.py': `import os, sys
calls = 0

def handler(event, context):
    global calls
    calls += 1
    print("event name", event["name"])
    cc = context.client_context
    return {
        "event": event, "calls": calls,
        "rid": context.aws_request_id, "fn": context.function_name, "version": context.function_version,
        "arn": context.invoked_function_arn, "mem": context.memory_limit_in_mb,
        "group": context.log_group_name, "stream": context.log_stream_name,
        "left": context.get_remaining_time_in_millis(),
        "cc": None if cc is None else {"custom": cc.custom, "env": cc.env, "app": cc.client.app_title},
        "identity": [context.identity.cognito_identity_id, context.identity.cognito_identity_pool_id],
        "exec_env": os.environ["AWS_EXECUTION_ENV"], "trace": os.environ.get("_X_AMZN_TRACE_ID"),
        "task": os.environ["LAMBDA_TASK_ROOT"], "cwd": os.getcwd(),
        "path": sys.path[:3], "executable": sys.executable,
    }
`,
    });
    const clientContext = { custom: { k: 'v' }, env: { e: '1' }, client: { app_title: 'demo' } };
    const r1 = await invoke('pyhello', '{"name":"Ada"}', {
      'X-Amz-Client-Context': Buffer.from(JSON.stringify(clientContext)).toString('base64'),
    });
    assert.equal(r1.statusCode, 200);
    assert.equal(r1.headers['x-amz-function-error'], undefined, r1.body);
    const b = r1.json();
    assert.deepEqual(b.event, { name: 'Ada' });
    assert.equal(b.calls, 1);
    assert.equal(b.rid, r1.headers['x-amzn-requestid']);
    assert.equal(b.fn, 'pyhello');
    assert.equal(b.version, '$LATEST');
    assert.equal(b.arn, 'arn:aws:lambda:us-east-1:000000000000:function:pyhello');
    assert.equal(b.mem, '128');
    assert.equal(b.group, '/aws/lambda/pyhello');
    assert.match(b.stream, /^\d{4}\/\d{2}\/\d{2}\/\[\$LATEST\][0-9a-f]{32}$/);
    assert.ok(b.left > 2000 && b.left <= 3000, `remaining ${b.left} ms`);
    assert.deepEqual(b.cc, { custom: { k: 'v' }, env: { e: '1' }, app: 'demo' });
    assert.deepEqual(b.identity, [null, null]);
    assert.equal(b.exec_env, `AWS_Lambda_${PY}`);
    assert.match(b.trace, /^Root=1-/);
    assert.equal(b.task, '/var/task');
    assert.equal(b.cwd, '/var/task');
    assert.deepEqual(b.path, [
      '/var/task',
      `/opt/python/lib/python3.${host?.minor}/site-packages`,
      '/opt/python',
    ]);
    assert.equal(b.executable, '/usr/bin/python3');
    const log1 = tail(r1);
    assert.match(log1, new RegExp(`START RequestId: ${b.rid} Version: \\$LATEST`));
    assert.match(log1, /\nevent name Ada\n/, 'print output is passed through as is');
    assert.match(log1, /Init Duration: [\d.]+ ms/);

    const r2 = await invoke('pyhello', '{"name":"Bo"}');
    assert.equal(r2.json().calls, 2, 'the warm instance kept its module state');
    assert.equal(r2.json().cc, null);
    assert.doesNotMatch(tail(r2), /Init Duration/);
  });

  test('python: a package at the zip root and a handler in a subfolder (pkg/mod.handler) are importable; empty event is {}; None is null', async () => {
    await deploy(
      'pyvendored',
      {
        'mylib/__init__.py': 'from .util import shout\n',
        'mylib/util.py': 'def shout(s):\n    return s.upper() + "!"\n',
        'pkg/__init__.py': '',
        'pkg/mod.py': `import mylib

def handler(event, context):
    if event == {}:
        return None
    return mylib.shout(event["word"])
`,
      },
      { Handler: 'pkg/mod.handler' },
    );
    assert.equal((await invoke('pyvendored', '{"word":"hi"}')).body, '"HI!"');
    assert.equal((await invoke('pyvendored')).body, 'null');
  });

  test('python: a raised exception → Unhandled {errorMessage, errorType, requestId, stackTrace} pointing at the user line, logged as one record', async () => {
    await deploy('pyboom', {
      'app.py': `def helper(x):
    raise ValueError("requested failure %s" % x)

def handler(event, context):
    helper(7)
`,
    });
    const r = await invoke('pyboom', '{}');
    assert.equal(r.statusCode, 200);
    assert.equal(r.headers['x-amz-function-error'], 'Unhandled');
    const e = r.json();
    assert.deepEqual(Object.keys(e).sort(), [
      'errorMessage',
      'errorType',
      'requestId',
      'stackTrace',
    ]);
    assert.equal(e.errorType, 'ValueError');
    assert.equal(e.errorMessage, 'requested failure 7');
    assert.equal(e.requestId, r.headers['x-amzn-requestid']);
    assert.equal(e.stackTrace.length, 2, JSON.stringify(e.stackTrace));
    assert.match(
      e.stackTrace[0],
      /^ {2}File "\/var\/task\/app\.py", line 5, in handler\n {4}helper\(7\)\n$/,
    );
    assert.match(e.stackTrace[1], /line 2, in helper/);
    const log = tail(r);
    assert.match(
      log,
      /\[ERROR\] ValueError: requested failure 7\rTraceback \(most recent call last\):\r\u00a0\u00a0File "\/var\/task\/app\.py", line 5, in handler\r/,
    );
    assert.match(log, new RegExp(`END RequestId: ${e.requestId}`));
  });

  test('python: init errors → Runtime.ImportModuleError / UserCodeSyntaxError / HandlerNotFound / MalformedHandlerName, logged', async () => {
    const cases: [string, Record<string, string>, string, string, RegExp][] = [
      [
        'pynomod',
        { 'other.py': 'x = 1\n' },
        'app.handler',
        'Runtime.ImportModuleError',
        /^Unable to import module 'app': No module named 'app'$/,
      ],
      [
        'pynodep',
        { 'app.py': 'import requests_not_here\n' },
        'app.handler',
        'Runtime.ImportModuleError',
        /No module named 'requests_not_here'/,
      ],
      [
        'pyraise',
        { 'app.py': 'import os\nos.environ["MISSING_VAR"]\n' },
        'app.handler',
        'Runtime.ImportModuleError',
        /^Unable to import module 'app': KeyError: 'MISSING_VAR'$/,
      ],
      [
        'pysyntax',
        { 'app.py': 'def handler(event, context)\n    return 1\n' },
        'app.handler',
        'Runtime.UserCodeSyntaxError',
        /^Syntax error in module 'app': /,
      ],
      [
        'pynoattr',
        { 'app.py': 'def other(e, c):\n    return 1\n' },
        'app.handler',
        'Runtime.HandlerNotFound',
        /^Handler 'handler' missing on module 'app'$/,
      ],
      [
        'pynotcallable',
        { 'app.py': 'handler = 42\n' },
        'app.handler',
        'Runtime.HandlerNotFound',
        /not callable/,
      ],
      [
        'pymalformed',
        { 'app.py': 'def handler(e, c):\n    return 1\n' },
        'app',
        'Runtime.MalformedHandlerName',
        /^Bad handler 'app'/,
      ],
    ];
    for (const [name, files, handler, errorType, message] of cases) {
      await deploy(name, files, { Handler: handler });
      const r = await invoke(name, '{}');
      assert.equal(r.statusCode, 200, name);
      assert.equal(r.headers['x-amz-function-error'], 'Unhandled', name);
      const e = r.json();
      assert.equal(e.errorType, errorType, `${name}: ${r.body}`);
      assert.match(e.errorMessage, message, name);
      assert.equal(e.requestId, '', name);
      assert.ok(Array.isArray(e.stackTrace), name);
      assert.match(tail(r), new RegExp(`\\[ERROR\\] ${errorType.replace('.', '\\.')}: `), name);
    }
    const raised = (await invoke('pyraise', '{}')).json();
    assert.match(raised.stackTrace[0], /File "\/var\/task\/app\.py", line 2, in <module>/);
    const syntax = (await invoke('pysyntax', '{}')).json();
    assert.match(
      syntax.stackTrace[0],
      /File "\/var\/task\/app\.py" Line 1\n {4}def handler\(event, context\)/,
    );
  });

  test('python: logging uses Lambda format with level and request id; root level WARNING unless AWS_LAMBDA_LOG_LEVEL', async () => {
    const code = `import logging
logger = logging.getLogger("app")
logging.getLogger().warning("at init")

def handler(event, context):
    logger.info("info line")
    logger.warning("two\\nlines")
    logger.debug("debug line")
    try:
        1 / 0
    except ZeroDivisionError:
        logger.exception("caught")
    return "ok"
`;
    await deploy('pylog', { 'app.py': code });
    const r = await invoke('pylog', '{}');
    assert.equal(r.body, '"ok"');
    const rid = String(r.headers['x-amzn-requestid']);
    const log = tail(r);
    assert.match(log, /^\[WARNING\]\t\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\t\tat init\n/m);
    assert.match(
      log,
      new RegExp(
        `\\n\\[WARNING\\]\\t\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z\\t${rid}\\ttwo\\rlines\\n`,
      ),
    );
    assert.match(
      log,
      new RegExp(
        `\\n\\[ERROR\\]\\t[^\\t]+Z\\t${rid}\\tcaught\\rTraceback \\(most recent call last\\):\\r[^\\n]*ZeroDivisionError: division by zero\\n`,
      ),
    );
    assert.doesNotMatch(
      log,
      /info line|debug line/,
      'the root logger stays at WARNING, as on Lambda',
    );

    await deploy(
      'pylogdebug',
      { 'app.py': code },
      { Environment: { Variables: { AWS_LAMBDA_LOG_LEVEL: 'DEBUG' } } },
    );
    const d = tail(await invoke('pylogdebug', '{}'));
    assert.match(d, /\[INFO\]\t[^\t]+\t[0-9a-f-]{36}\tinfo line\n/);
    assert.match(d, /\[DEBUG\]\t[^\t]+\t[0-9a-f-]{36}\tdebug line\n/);
  });

  test('python: timeout → Sandbox.Timedout; sys.exit(3) → Runtime.ExitError; the next invoke works in a fresh instance', async () => {
    await deploy(
      'pycrash',
      {
        'app.py': `import sys, time
calls = 0

def handler(event, context):
    global calls
    calls += 1
    if event.get("hang"):
        time.sleep(60)
    if event.get("exit"):
        print("leaving")
        sys.exit(3)
    return calls
`,
      },
      { Timeout: 1 },
    );
    assert.equal((await invoke('pycrash', '{}')).body, '1');
    const t = await invoke('pycrash', '{"hang":true}');
    assert.equal(t.headers['x-amz-function-error'], 'Unhandled');
    assert.equal(t.json().errorType, 'Sandbox.Timedout');
    assert.match(t.json().errorMessage, /Task timed out after 1\.00 seconds$/);
    assert.equal((await invoke('pycrash', '{}')).body, '1', 'a fresh instance after the timeout');

    const x = await invoke('pycrash', '{"exit":true}');
    assert.equal(x.headers['x-amz-function-error'], 'Unhandled');
    assert.equal(x.json().errorType, 'Runtime.ExitError');
    assert.match(x.json().errorMessage, /exit status 3/);
    assert.match(tail(x), /\nleaving\n/);
    assert.equal((await invoke('pycrash', '{}')).body, '1', 'a fresh instance after the exit');
  });

  test('python: a result json cannot encode → Runtime.MarshalError; bytes pass through; Decimal is a number', async () => {
    await deploy('pymarshal', {
      'app.py': `import decimal

def handler(event, context):
    if event.get("kind") == "set":
        return {1, 2}
    if event.get("kind") == "bytes":
        return b"raw"
    return {"d": decimal.Decimal("1.5"), "i": decimal.Decimal("3")}
`,
    });
    const r = await invoke('pymarshal', '{"kind":"set"}');
    assert.equal(r.headers['x-amz-function-error'], 'Unhandled');
    const e = r.json();
    assert.equal(e.errorType, 'Runtime.MarshalError');
    assert.equal(
      e.errorMessage,
      'Unable to marshal response: Object of type set is not JSON serializable',
    );
    assert.equal(e.requestId, r.headers['x-amzn-requestid']);
    assert.equal((await invoke('pymarshal', '{"kind":"bytes"}')).body, 'raw');
    assert.deepEqual((await invoke('pymarshal', '{}')).json(), { d: 1.5, i: 3 });
  });

  test('python: other python3.x identifiers answer which version this host has', async () => {
    const other = host?.minor === 12 ? 'python3.13' : 'python3.12';
    const r = await inject({
      method: 'POST',
      url: '/2015-03-31/functions',
      payload: await createBody(
        'pyother',
        { 'app.py': '' },
        { Runtime: other, Handler: 'app.handler' },
      ),
    });
    assert.equal(r.statusCode, 400);
    assert.equal(r.headers['x-amzn-errortype'], 'InvalidParameterValueException');
    assert.match(
      r.json().Message,
      new RegExp(
        `^Runtime ${other.replace('.', '\\.')} needs Python 3\\.\\d+, but this host has Python 3\\.${host?.minor}; use ${PY.replace('.', '\\.')}$`,
      ),
    );
  });
});
