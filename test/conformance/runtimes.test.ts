import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import type { InjectOptions } from 'fastify';
import { findRelay } from '../../src/sandbox/index.js';
import type { Platform } from '../../src/server.js';
import { HOST_NODE_MAJOR, hostPythonVersion } from '../../src/shared/runtimes.js';
import { makeZip, testPlatform } from '../helpers/platform.js';

/**
 * One protocol: the same cases against every runtime, asserted only on what a caller of
 * the Invoke API sees. Each runtime's function does the same thing for each event
 * `{"case": ...}`; `missing.handler` names a handler that does not exist (init error).
 */
interface RuntimeUnderTest {
  runtime: string;
  handler: string;
  files: Record<string, string>;
  executable?: string[];
  skip: string | false;
}

const NODE_CODE = `let calls = 0;
class ConformanceError extends Error {}
ConformanceError.prototype.name = 'ConformanceError';
exports.handler = async (event, context) => {
  switch (event.case) {
    case 'echo': return event;
    case 'context': return { requestId: context.awsRequestId, functionName: context.functionName,
                             remainingMs: context.getRemainingTimeInMillis() };
    case 'count': calls++; return { calls };
    case 'error': throw new ConformanceError('boom');
    case 'timeout': await new Promise((r) => setTimeout(r, 10000)); return 'late';
    case 'crash': process.exit(7);
    case 'oversize': return 'a'.repeat(7 * 1024 * 1024);
    case 'logs':
      console.log('line-1');
      process.stdout.write('line-2\\n');
      console.error('line-3');
      return { channel: process.env.NIMBUS_RUNTIME_FRAMES === '1' ? 'frames' : 'http' };
  }
};
`;

const PYTHON_CODE = `import os, time
calls = 0

class ConformanceError(Exception):
    pass

def handler(event, context):
    global calls
    case = event["case"]
    if case == "echo":
        return event
    if case == "context":
        return {"requestId": context.aws_request_id, "functionName": context.function_name,
                "remainingMs": context.get_remaining_time_in_millis()}
    if case == "count":
        calls += 1
        return {"calls": calls}
    if case == "error":
        raise ConformanceError("boom")
    if case == "timeout":
        time.sleep(10)
        return "late"
    if case == "crash":
        os._exit(7)
    if case == "oversize":
        return "a" * (7 * 1024 * 1024)
    if case == "logs":
        print("line-1")
        print("line-2", flush=True)
        import sys
        print("line-3", file=sys.stderr)
        return {"channel": "frames" if os.environ.get("NIMBUS_RUNTIME_FRAMES") == "1" else "http"}
`;

/** A custom runtime in bash + curl, in the shape of AWS's tutorial. */
const PROVIDED_BOOTSTRAP = `#!/bin/bash
set -uo pipefail
API="http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime"
HANDLER_FILE="$LAMBDA_TASK_ROOT/$(echo "$_HANDLER" | cut -d. -f1).sh"
if [ ! -f "$HANDLER_FILE" ]; then
  curl -sS "$API/init/error" -H "Lambda-Runtime-Function-Error-Type: Runtime.ImportModuleError" \\
    -d "{\\"errorType\\":\\"Runtime.ImportModuleError\\",\\"errorMessage\\":\\"Unable to import module '$_HANDLER': no $HANDLER_FILE\\"}" >/dev/null
  exit 1
fi
source "$HANDLER_FILE"
CALLS=0
header() { grep -Fi "$1:" "$HEADERS" | tr -d '[:space:]' | cut -d: -f2; }
while true; do
  HEADERS="$(mktemp)"
  BODY="$(mktemp)"
  EVENT=$(curl -sS -D "$HEADERS" "$API/invocation/next")
  ID=$(header Lambda-Runtime-Aws-Request-Id)
  DEADLINE=$(header Lambda-Runtime-Deadline-Ms)
  case "$(echo "$EVENT" | grep -o '"case":"[a-z]*"' | cut -d'"' -f4)" in
    echo) printf '%s' "$EVENT" >"$BODY" ;;
    context)
      printf '{"requestId":"%s","functionName":"%s","remainingMs":%d}' \\
        "$ID" "$AWS_LAMBDA_FUNCTION_NAME" $((DEADLINE - $(date +%s%3N))) >"$BODY" ;;
    count) CALLS=$((CALLS + 1)); printf '{"calls":%d}' "$CALLS" >"$BODY" ;;
    error)
      curl -sS "$API/invocation/$ID/error" -d '{"errorType":"ConformanceError","errorMessage":"boom"}' >/dev/null
      rm -f "$HEADERS" "$BODY"
      continue ;;
    timeout) sleep 10; printf '"late"' >"$BODY" ;;
    logs) echo line-1; echo line-2; echo line-3 >&2; printf '{"channel":"http"}' >"$BODY" ;;
    crash) exit 7 ;;
    oversize) { printf '"'; head -c 7340032 /dev/zero | tr '\\0' a; printf '"'; } >"$BODY" ;;
  esac
  curl -sS "$API/invocation/$ID/response" --data-binary "@$BODY" >/dev/null
  rm -f "$HEADERS" "$BODY"
done
`;

function hasCurl(): boolean {
  try {
    execFileSync('curl', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const python = hostPythonVersion();
const RUNTIMES: RuntimeUnderTest[] = [
  {
    runtime: `nodejs${HOST_NODE_MAJOR}.x`,
    handler: 'index.handler',
    files: { 'index.js': NODE_CODE },
    skip: false,
  },
  {
    runtime: python ? `python3.${python.minor}` : 'python3',
    handler: 'app.handler',
    files: { 'app.py': PYTHON_CODE },
    skip: python ? false : 'the host has no /usr/bin/python3',
  },
  {
    runtime: 'provided.al2023',
    handler: 'function.handler',
    files: { bootstrap: PROVIDED_BOOTSTRAP, 'function.sh': 'handler() { :; }\n' },
    executable: ['bootstrap'],
    skip: !hasCurl()
      ? 'curl is not installed: the bash bootstrap uses it'
      : !findRelay()
        ? 'socat is not installed: sandboxed custom runtimes need it (apt-get install socat)'
        : false,
  },
];

/**
 * Nimbus's own bootstraps speak the framed channel by default and the HTTP Runtime API with
 * `runtimeChannel: http`: every case runs on both. Custom runtimes always speak HTTP.
 */
for (const channel of ['frames', 'http'] as const) {
  describe(`conformance (${channel} channel): the same Runtime API cases against every runtime`, () => {
    let p: Platform;
    let close: () => Promise<void>;
    before(async () => {
      ({ platform: p, close } = await testPlatform({
        functionMaxConcurrency: 2,
        idleTtlMs: 60_000,
        runtimeChannel: channel,
      }));
    });
    after(async () => close());

    const inject = (o: InjectOptions) => p.app.inject(o);
    const invoke = (name: string, event: unknown) =>
      inject({
        method: 'POST',
        url: `/2015-03-31/functions/${name}/invocations`,
        payload: JSON.stringify(event),
      });

    for (const rt of RUNTIMES) {
      const onlyHttp = rt.runtime.startsWith('provided') && channel === 'frames';
      const skip =
        rt.skip || (onlyHttp ? 'custom runtimes speak HTTP: run in the http suite' : false);
      describe(`conformance (${channel}): ${rt.runtime}`, { skip }, () => {
        const name = rt.runtime.replace(/\W/g, '-');
        before(async () => {
          for (const [fn, handler] of [
            [name, rt.handler],
            [`${name}-init`, 'missing.handler'],
          ] as const) {
            const zip = await makeZip(rt.files, { executable: rt.executable ?? [] });
            const r = await inject({
              method: 'POST',
              url: '/2015-03-31/functions',
              payload: JSON.stringify({
                FunctionName: fn,
                Runtime: rt.runtime,
                Handler: handler,
                Role: 'arn:aws:iam::000000000000:role/test',
                Timeout: 2,
                Code: { ZipFile: zip.toString('base64') },
              }),
            });
            assert.equal(r.statusCode, 201, r.body);
          }
        });

        test(`${rt.runtime}: echo returns the event unchanged`, async () => {
          const event = { case: 'echo', n: 1, s: 'héllo wörld', list: [1, 2, { x: null }] };
          const r = await invoke(name, event);
          assert.equal(r.statusCode, 200);
          assert.equal(r.headers['x-amz-function-error'], undefined, r.body);
          assert.deepEqual(r.json(), event);
        });

        test(`${rt.runtime}: context has the request id, function name and remaining time`, async () => {
          const r = await invoke(name, { case: 'context' });
          assert.equal(r.headers['x-amz-function-error'], undefined, r.body);
          const c = r.json();
          assert.equal(c.requestId, r.headers['x-amzn-requestid']);
          assert.equal(c.functionName, name);
          assert.ok(c.remainingMs > 0 && c.remainingMs <= 2000, `remaining ${c.remainingMs} ms`);
        });

        test(`${rt.runtime}: warm state survives between two invokes`, async () => {
          const a = await invoke(name, { case: 'count' });
          const b = await invoke(name, { case: 'count' });
          assert.equal(b.json().calls, a.json().calls + 1);
        });

        test(`${rt.runtime}: a handler error is Unhandled with its type and message`, async () => {
          const r = await invoke(name, { case: 'error' });
          assert.equal(r.statusCode, 200);
          assert.equal(r.headers['x-amz-function-error'], 'Unhandled');
          assert.equal(r.json().errorType, 'ConformanceError');
          assert.equal(r.json().errorMessage, 'boom');
        });

        test(`${rt.runtime}: an oversize response is Function.ResponseSizeTooLarge`, async () => {
          const r = await invoke(name, { case: 'oversize' });
          assert.equal(r.headers['x-amz-function-error'], 'Unhandled');
          assert.equal(r.json().errorType, 'Function.ResponseSizeTooLarge');
          const after = await invoke(name, { case: 'echo', ok: true });
          assert.deepEqual(after.json(), { case: 'echo', ok: true }, 'the runtime goes on');
        });

        test(`${rt.runtime}: a crash is Runtime.ExitError, and the next invoke works`, async () => {
          const r = await invoke(name, { case: 'crash' });
          assert.equal(r.headers['x-amz-function-error'], 'Unhandled');
          assert.equal(r.json().errorType, 'Runtime.ExitError');
          assert.match(r.json().errorMessage, /exit status 7/);
          assert.deepEqual((await invoke(name, { case: 'echo' })).json(), { case: 'echo' });
        });

        test(`${rt.runtime}: a timeout is Sandbox.Timedout, and the next invoke works`, async () => {
          const r = await invoke(name, { case: 'timeout' });
          assert.equal(r.headers['x-amz-function-error'], 'Unhandled');
          assert.equal(r.json().errorType, 'Sandbox.Timedout');
          assert.match(r.json().errorMessage, /Task timed out after 2\.00 seconds/);
          assert.deepEqual((await invoke(name, { case: 'echo' })).json(), { case: 'echo' });
        });

        test(`${rt.runtime}: log lines land in the invocation's log, in order, on the ${channel} channel`, async () => {
          const r = await inject({
            method: 'POST',
            url: `/2015-03-31/functions/${name}/invocations`,
            headers: { 'x-amz-log-type': 'Tail' },
            payload: JSON.stringify({ case: 'logs' }),
          });
          assert.equal(r.headers['x-amz-function-error'], undefined, r.body);
          const expected = rt.runtime.startsWith('provided') ? 'http' : channel;
          assert.deepEqual(r.json(), { channel: expected });
          const log = Buffer.from(String(r.headers['x-amz-log-result']), 'base64').toString('utf8');
          const at = ['START', 'line-1', 'line-2', 'line-3', 'END', 'REPORT'].map((w) =>
            log.indexOf(w),
          );
          assert.ok(
            at.every((i) => i >= 0),
            log,
          );
          assert.deepEqual(
            [...at].sort((a, b) => a - b),
            at,
            `out of order:\n${log}`,
          );
        });

        test(`${rt.runtime}: an init error is Unhandled Runtime.ImportModuleError`, async () => {
          const r = await invoke(`${name}-init`, { case: 'echo' });
          assert.equal(r.statusCode, 200);
          assert.equal(r.headers['x-amz-function-error'], 'Unhandled');
          assert.equal(r.json().errorType, 'Runtime.ImportModuleError');
          assert.match(r.json().errorMessage, /missing/);
        });
      });
    }
  });
}
