import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { InjectOptions } from 'fastify';
import { findRelay } from '../../src/sandbox/index.js';
import type { Platform } from '../../src/server.js';
import { lambdaCalls, logTail } from '../helpers/lambda-calls.js';
import { makeZip, testPlatform } from '../helpers/platform.js';

const FIXTURES = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../fixtures/custom-runtime',
);

/** AWS's custom-runtime tutorial bootstrap, as published (bash + curl), with a call counter. */
const TUTORIAL_BOOTSTRAP = `#!/bin/bash
set -euo pipefail

# Initialization - load function handler
source $LAMBDA_TASK_ROOT/"$(echo $_HANDLER | cut -d. -f1).sh"
echo "init: handler $_HANDLER"
CALLS=0

# Processing
while true
do
  HEADERS="$(mktemp)"
  # Get an event. The HTTP request will block until one is received
  EVENT_DATA=$(curl -sS -LD "$HEADERS" "http://\${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime/invocation/next")

  # Extract request ID by scraping response headers received above
  REQUEST_ID=$(grep -Fi Lambda-Runtime-Aws-Request-Id "$HEADERS" | tr -d '[:space:]' | cut -d: -f2)
  DEADLINE=$(grep -Fi Lambda-Runtime-Deadline-Ms "$HEADERS" | tr -d '[:space:]' | cut -d: -f2)
  ARN=$(grep -Fi Lambda-Runtime-Invoked-Function-Arn "$HEADERS" | tr -d '[:space:]' | cut -d: -f2-)
  CALLS=$((CALLS + 1))

  # Run the handler function from the script
  RESPONSE=$($(echo "$_HANDLER" | cut -d. -f2) "$EVENT_DATA")

  # Send the response
  curl -sS "http://\${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime/invocation/$REQUEST_ID/response" \\
    -d "{\\"response\\":\\"$RESPONSE\\",\\"requestId\\":\\"$REQUEST_ID\\",\\"deadline\\":$DEADLINE,\\"arn\\":\\"$ARN\\",\\"calls\\":$CALLS,\\"fn\\":\\"$AWS_LAMBDA_FUNCTION_NAME\\",\\"api\\":\\"$AWS_LAMBDA_RUNTIME_API\\"}" >/dev/null
done
`;

const TUTORIAL_HANDLER = `function handler () {
  EVENT_DATA=$1
  echo "$EVENT_DATA" 1>&2;
  RESPONSE="Echoing request: $(echo "$EVENT_DATA" | tr -d '"{}')"

  echo $RESPONSE
}
`;

/** Errors reported only in the body (no Lambda-Runtime-Function-Error-Type), as aws-lambda-go does. */
const BODY_ERRORS_BOOTSTRAP = `#!/bin/bash
set -euo pipefail
API="http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime"
if [ -n "\${FAIL_INIT:-}" ]; then
  curl -sS -X POST "$API/init/error" -d '{"errorMessage":"no config","errorType":"ConfigError"}' >/dev/null
  exit 1
fi
while true; do
  HEADERS="$(mktemp)"
  EVENT=$(curl -sS -D "$HEADERS" "$API/invocation/next")
  ID=$(grep -Fi Lambda-Runtime-Aws-Request-Id "$HEADERS" | tr -d '[:space:]' | cut -d: -f2)
  echo "handling $ID"
  curl -sS -X POST "$API/invocation/$ID/error" \\
    -d '{"errorMessage":"requested failure","errorType":"errorString"}' >/dev/null
done
`;

const EXIT_EARLY_BOOTSTRAP = `#!/bin/sh
echo "bootstrap giving up before /next"
exit 3
`;

const RELAY = findRelay();
const GCC = (() => {
  try {
    execFileSync('gcc', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

for (const isolation of ['bwrap', 'none'] as const) {
  describe(`Lambda API: custom runtimes (provided.*) with real instances (isolation ${isolation})`, {
    skip:
      isolation === 'bwrap' && !RELAY
        ? 'socat is not installed, and sandboxed custom runtimes need it (apt-get install socat)'
        : false,
  }, () => {
    let p: Platform;
    let close: () => Promise<void>;
    before(async () => {
      ({ platform: p, close } = await testPlatform({
        functionMaxConcurrency: 2,
        idleTtlMs: 60_000,
        isolation,
      }));
    });
    after(async () => close());

    const inject = (o: InjectOptions) => p.app.inject(o);
    async function deploy(
      name: string,
      files: Record<string, string | Buffer>,
      extra: Record<string, unknown> = {},
      executable = ['bootstrap'],
    ) {
      const zip = await makeZip(files, { executable });
      const r = await inject({
        method: 'POST',
        url: '/2015-03-31/functions',
        payload: JSON.stringify({
          FunctionName: name,
          Runtime: 'provided.al2023',
          Handler: 'function.handler',
          Role: 'arn:aws:iam::000000000000:role/test',
          Code: { ZipFile: zip.toString('base64') },
          ...extra,
        }),
      });
      assert.equal(r.statusCode, 201, r.body);
    }
    const { invoke } = lambdaCalls(() => p, { tail: true });
    const tail = logTail;

    test('the AWS tutorial bootstrap (bash + curl) answers, sees the invocation headers, and stays warm', async () => {
      await deploy('tutorial', { bootstrap: TUTORIAL_BOOTSTRAP, 'function.sh': TUTORIAL_HANDLER });
      const r1 = await invoke('tutorial', '{"name":"Ada"}');
      assert.equal(r1.statusCode, 200);
      assert.equal(r1.headers['x-amz-function-error'], undefined, r1.body);
      const b1 = r1.json();
      assert.equal(b1.response, 'Echoing request: name:Ada');
      assert.equal(b1.requestId, r1.headers['x-amzn-requestid']);
      assert.equal(b1.arn, 'arn:aws:lambda:us-east-1:000000000000:function:tutorial');
      assert.equal(b1.fn, 'tutorial');
      assert.ok(
        b1.deadline > Date.now() && b1.deadline <= Date.now() + 3000,
        'deadline in epoch ms',
      );
      if (isolation === 'bwrap') assert.equal(b1.api, '127.0.0.1:9001');
      else assert.match(b1.api, /^127\.0\.0\.1:\d+$/);
      const log1 = tail(r1);
      assert.match(log1, /init: handler function\.handler/);
      assert.match(log1, /\{"name":"Ada"\}/, 'stderr of the handler is in the log');
      assert.match(log1, /Init Duration/);
      const r2 = await invoke('tutorial', '{"name":"Bo"}');
      assert.equal(r2.json().calls, 2, 'the same bootstrap process served the second invoke');
      assert.equal(r2.json().response, 'Echoing request: name:Bo');
      assert.doesNotMatch(tail(r2), /Init Duration/);
    });

    test('error types given only in the body are the invocation and init error types', async () => {
      await deploy('bodyerr', { bootstrap: BODY_ERRORS_BOOTSTRAP });
      const r = await invoke('bodyerr', '{}');
      assert.equal(r.statusCode, 200);
      assert.equal(r.headers['x-amz-function-error'], 'Unhandled');
      assert.deepEqual(r.json(), { errorMessage: 'requested failure', errorType: 'errorString' });
      await deploy(
        'bodyiniterr',
        { bootstrap: BODY_ERRORS_BOOTSTRAP },
        {
          Environment: { Variables: { FAIL_INIT: '1' } },
        },
      );
      const i = await invoke('bodyiniterr', '{}');
      assert.equal(i.headers['x-amz-function-error'], 'Unhandled');
      assert.deepEqual(i.json(), { errorMessage: 'no config', errorType: 'ConfigError' });
    });

    test('a compiled bootstrap posting chunked bodies with trailers on one keep-alive connection (as aws-lambda-go)', {
      skip: GCC ? false : 'gcc is not installed, so the C bootstrap cannot be built',
    }, async () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'nimbus-cbootstrap-'));
      try {
        const bin = path.join(dir, 'bootstrap');
        execFileSync('gcc', ['-O1', '-o', bin, path.join(FIXTURES, 'chunked-bootstrap.c')]);
        await deploy('chunked', { bootstrap: readFileSync(bin) });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      const r1 = await invoke('chunked', '{"n":1}');
      assert.equal(r1.headers['x-amz-function-error'], undefined, r1.body);
      assert.deepEqual(r1.json(), {
        echo: { n: 1 },
        requestId: r1.headers['x-amzn-requestid'],
        count: 1,
      });
      assert.match(tail(r1), /chunked-bootstrap: init/);
      const big = 'x'.repeat(200_000);
      const r2 = await invoke('chunked', JSON.stringify({ big }));
      assert.equal(r2.json().echo.big, big, 'a large chunked body arrives whole');
      assert.equal(r2.json().count, 2);
      const e = await invoke('chunked', '{"fail":true}');
      assert.equal(e.headers['x-amz-function-error'], 'Unhandled');
      assert.deepEqual(e.json(), { errorMessage: 'requested failure', errorType: 'errorString' });
      const m = await invoke('chunked', '{"midstream":true}');
      assert.equal(m.headers['x-amz-function-error'], 'Unhandled');
      assert.deepEqual(m.json(), { errorMessage: 'read failed', errorType: 'ReadError' });
      const r3 = await invoke('chunked', '{"n":3}');
      assert.equal(r3.json().count, 5, 'every answer was 202: the process never exited');
    });

    test("a layer's /opt/bootstrap runs when the code has none", async () => {
      const layerZip = await makeZip(
        { bootstrap: TUTORIAL_BOOTSTRAP },
        { executable: ['bootstrap'] },
      );
      const l = await inject({
        method: 'POST',
        url: '/2018-10-31/layers/bash-runtime/versions',
        payload: JSON.stringify({ Content: { ZipFile: layerZip.toString('base64') } }),
      });
      assert.equal(l.statusCode, 201, l.body);
      await deploy(
        'fromlayer',
        { 'function.sh': TUTORIAL_HANDLER },
        {
          Layers: [l.json().LayerVersionArn],
        },
        [],
      );
      const r = await invoke('fromlayer', '{"name":"Cy"}');
      assert.equal(r.headers['x-amz-function-error'], undefined, r.body);
      assert.equal(r.json().response, 'Echoing request: name:Cy');
    });

    test('a missing bootstrap, one that is not executable, and one that exits before /next are clear init errors', async () => {
      await deploy('nobootstrap', { 'function.sh': TUTORIAL_HANDLER }, {}, []);
      const a = await invoke('nobootstrap', '{}');
      assert.equal(a.headers['x-amz-function-error'], 'Unhandled');
      assert.equal(a.json().errorType, 'Runtime.InvalidEntrypoint');
      assert.match(
        a.json().errorMessage,
        /Couldn't find valid bootstrap\(s\): \[\/var\/task\/bootstrap \/opt\/bootstrap\]/,
      );
      await deploy('noexec', { bootstrap: TUTORIAL_BOOTSTRAP }, {}, []);
      const b = await invoke('noexec', '{}');
      assert.equal(b.json().errorType, 'Runtime.InvalidEntrypoint');
      assert.match(b.json().errorMessage, /\/var\/task\/bootstrap is not executable/);
      await deploy('exitearly', { bootstrap: EXIT_EARLY_BOOTSTRAP });
      const c = await invoke('exitearly', '{}');
      assert.equal(c.json().errorType, 'Runtime.ExitError');
      assert.match(
        c.json().errorMessage,
        /exit status 3 \(during init, before it asked for its first event/,
      );
      assert.match(tail(c), /bootstrap giving up before \/next/);
    });

    test('timeout and crash: the relay goes with the instance, and the next invoke starts afresh', {
      skip: isolation === 'none' ? 'unsandboxed instances have no relay' : false,
    }, async () => {
      await deploy(
        'relaydies',
        {
          bootstrap: `#!/bin/bash
API="http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime"
while true; do
  H="$(mktemp)"
  EVENT=$(curl -sS -D "$H" "$API/invocation/next")
  ID=$(grep -Fi Lambda-Runtime-Aws-Request-Id "$H" | tr -d '[:space:]' | cut -d: -f2)
  case "$EVENT" in
    *hang*) sleep 30 ;;
    *crash*) exit 9 ;;
  esac
  curl -sS "$API/invocation/$ID/response" -d '"ok"' >/dev/null
done
`,
        },
        { Timeout: 1 },
      );
      assert.equal((await invoke('relaydies', '{}')).body, '"ok"');
      assert.ok(relayPids('relaydies').length > 0, 'a relay runs while the instance lives');
      const t = await invoke('relaydies', '{"hang":1}');
      assert.equal(t.json().errorType, 'Sandbox.Timedout');
      const c = await invoke('relaydies', '{"crash":1}');
      assert.equal(c.json().errorType, 'Runtime.ExitError');
      assert.match(c.json().errorMessage, /exit status 9/);
      await waitFor(() => relayPids('relaydies').length === 0);
      assert.equal((await invoke('relaydies', '{}')).body, '"ok"');
    });
  });
}

/**
 * Host pids of the socat relays started for `fn`: in the sandbox of a process whose
 * environment names the function. A prewarmed sandbox's relay started before its function
 * was known, so it is matched by its pid namespace, not its own environment.
 */
function relayPids(fn: string): number[] {
  const socats: { pid: number; ns: string }[] = [];
  const fnNamespaces = new Set<string>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const ns = readlinkSync(`/proc/${entry}/ns/pid`);
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === 'socat') {
        socats.push({ pid: Number(entry), ns });
      }
      const env = readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0');
      if (env.includes(`AWS_LAMBDA_FUNCTION_NAME=${fn}`)) fnNamespaces.add(ns);
    } catch {
      // gone, or not ours to read
    }
  }
  return socats.filter((s) => fnNamespaces.has(s.ns)).map((s) => s.pid);
}

async function waitFor(check: () => boolean, maxMs = 5000): Promise<void> {
  const until = Date.now() + maxMs;
  while (!check()) {
    if (Date.now() > until) throw new Error(`condition not met within ${maxMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
