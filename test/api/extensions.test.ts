import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { findRelay } from '../../src/sandbox/index.js';
import type { Platform } from '../../src/server.js';
import { movableClock } from '../helpers/clock.js';
import { createBody, makeZip, testPlatform } from '../helpers/platform.js';

/**
 * An external extension in the shape of AWS's bash example: registers for INVOKE and
 * SHUTDOWN through AWS_LAMBDA_RUNTIME_API, prints every event it gets, exits on SHUTDOWN.
 * It takes its time before its first event/next (init must wait for it), and leaves a
 * file in the sandbox's /tmp the function can see once it is ready.
 */
const RECORDER = `#!/bin/bash
set -euo pipefail
API="http://\${AWS_LAMBDA_RUNTIME_API}/2020-01-01/extension"
HEADERS="$(mktemp)"
echo "[recorder] starting, handler env: \${_HANDLER:-none}"
curl -sS -D "$HEADERS" -X POST "$API/register" -H "Lambda-Extension-Name: recorder" \\
  -d '{"events":["INVOKE","SHUTDOWN"]}' -o /tmp/register.json
ID=$(grep -Fi Lambda-Extension-Identifier "$HEADERS" | tr -d '[:space:]' | cut -d: -f2)
echo "[recorder] registered: $(cat /tmp/register.json)"
sleep 0.4
echo ready > /tmp/recorder-ready
while true; do
  EVENT=$(curl -sS -H "Lambda-Extension-Identifier: $ID" "$API/event/next")
  echo "[recorder] event $EVENT"
  case "$EVENT" in *'"SHUTDOWN"'*) echo "[recorder] bye"; exit 0;; esac
done
`;

/** The function: reports whether the extension was ready, and probes the Extensions API. */
const HANDLER = `
const http = require('node:http');
const fs = require('node:fs');
function call(method, path, headers, body) {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { socketPath: process.env.NIMBUS_RUNTIME_SOCKET, method, path, headers },
      (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode, body: text ? JSON.parse(text) : null }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
exports.handler = async (event) => {
  const ready = fs.existsSync('/tmp/recorder-ready');
  if (!event.probe) return { ready };
  const reg = (name) =>
    call('POST', '/2020-01-01/extension/register', name === undefined ? {} : { 'Lambda-Extension-Name': name }, '{"events":["INVOKE"]}');
  return {
    ready,
    noName: await reg(undefined),
    late: await reg('late-comer'),
    again: await reg('recorder'),
    unknownId: await call('GET', '/2020-01-01/extension/event/next', { 'Lambda-Extension-Identifier': '00000000-0000-4000-8000-000000000000' }),
    missingId: await call('GET', '/2020-01-01/extension/event/next', {}),
    badId: await call('GET', '/2020-01-01/extension/event/next', { 'Lambda-Extension-Identifier': 'nope' }),
    telemetry: await call('PUT', '/2022-07-01/telemetry', { 'Lambda-Extension-Identifier': '00000000-0000-4000-8000-000000000000' }, '{"schemaVersion":"2022-12-13","types":["platform"],"destination":{"protocol":"HTTP","URI":"http://sandbox.localdomain:1234"}}'),
    logs: await call('PUT', '/2020-08-15/logs', {}, '{"types":["platform","function"]}'),
  };
};
`;

/** A custom runtime in the shape of AWS's tutorial: answers every event with its request id. */
const BOOTSTRAP = `#!/bin/bash
set -euo pipefail
while true; do
  H="$(mktemp)"
  curl -sS -D "$H" -o /dev/null "http://\${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime/invocation/next"
  ID=$(grep -Fi Lambda-Runtime-Aws-Request-Id "$H" | tr -d '[:space:]' | cut -d: -f2)
  curl -sS -o /dev/null "http://\${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime/invocation/$ID/response" -d "\\"$ID\\""
done
`;

const sandboxed = findRelay() !== null;

describe('extensions: /opt/extensions start with the runtime and use the Extensions API', () => {
  let p: Platform;
  let close: () => Promise<void>;
  const time = movableClock();

  before(async () => {
    ({ platform: p, close } = await testPlatform({ idleTtlMs: 60_000 }, { clock: time.clock }));
  });
  after(async () => close());

  async function logs(fn: string): Promise<{ requestId: string | null; message: string }[]> {
    await p.logs.flush();
    const r = await p.app.inject({
      method: 'GET',
      url: `/nimbus/v1/functions/${fn}/logs?limit=1000`,
    });
    return r.json().events;
  }

  async function waitForLog(fn: string, re: RegExp, maxMs = 5000) {
    const until = Date.now() + maxMs;
    for (;;) {
      const found = (await logs(fn)).find((e) => re.test(e.message));
      if (found) return found;
      if (Date.now() > until) {
        const all = (await logs(fn)).map((e) => `${e.requestId} ${e.message}`).join('\n');
        assert.fail(`no log line of ${fn} matches ${re}:\n${all}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  const invoke = (fn: string, payload: unknown) =>
    p.app.inject({
      method: 'POST',
      url: `/2015-03-31/functions/${fn}/invocations`,
      payload: JSON.stringify(payload),
      headers: { 'X-Amz-Log-Type': 'Tail' },
    });

  test('init waits for the extension, it sees every INVOKE with its request id, and SHUTDOWN on reap', {
    skip: sandboxed ? false : 'needs socat (the relay behind AWS_LAMBDA_RUNTIME_API)',
  }, async () => {
    const layer = await p.app.inject({
      method: 'POST',
      url: '/2018-10-31/layers/recorder/versions',
      payload: JSON.stringify({
        Content: {
          ZipFile: (
            await makeZip(
              { 'extensions/recorder': RECORDER },
              { executable: ['extensions/recorder'] },
            )
          ).toString('base64'),
        },
      }),
    });
    assert.equal(layer.statusCode, 201, layer.body);
    const c = await p.app.inject({
      method: 'POST',
      url: '/2015-03-31/functions',
      payload: await createBody(
        'withext',
        { 'index.js': HANDLER },
        {
          Layers: [layer.json().LayerVersionArn],
        },
      ),
    });
    assert.equal(c.statusCode, 201, c.body);

    const first = await invoke('withext', {});
    assert.equal(first.headers['x-amz-function-error'], undefined, first.body);
    assert.deepEqual(
      first.json(),
      { ready: true },
      'the first invocation ran after the extension was ready',
    );
    const tail = Buffer.from(String(first.headers['x-amz-log-result']), 'base64').toString();
    assert.match(tail, /Init Duration: (\d+)/);
    assert.ok(
      Number(/Init Duration: ([\d.]+)/.exec(tail)?.[1]) >= 400,
      'init took the extension’s 400 ms',
    );

    const second = await invoke('withext', { probe: true });
    const probe = second.json();
    assert.equal(probe.ready, true);
    assert.deepEqual(
      [probe.noName.status, probe.noName.body.errorType],
      [403, 'Extension.InvalidExtensionName'],
    );
    assert.deepEqual(
      [probe.late.status, probe.late.body.errorType],
      [403, 'Extension.RegistrationClosed'],
    );
    assert.deepEqual(
      [probe.again.status, probe.again.body.errorType],
      [403, 'Extension.InvalidExtensionState'],
    );
    assert.deepEqual(
      [probe.unknownId.status, probe.unknownId.body.errorType],
      [403, 'Extension.UnknownExtensionIdentifier'],
    );
    assert.deepEqual(
      [probe.missingId.status, probe.missingId.body.errorType],
      [403, 'Extension.MissingExtensionIdentifier'],
    );
    assert.deepEqual(
      [probe.badId.status, probe.badId.body.errorType],
      [403, 'Extension.InvalidExtensionIdentifier'],
    );
    assert.deepEqual(probe.telemetry, {
      status: 202,
      body: { errorMessage: 'Telemetry API is not supported', errorType: 'Telemetry.NotSupported' },
    });
    assert.deepEqual(probe.logs, {
      status: 202,
      body: { errorMessage: 'Logs API is not supported', errorType: 'Logs.NotSupported' },
    });

    // Each INVOKE reached the extension, with the invocation's request id and the Lambda shape.
    for (const r of [first, second]) {
      const id = String(r.headers['x-amzn-requestid']);
      const line = await waitForLog('withext', new RegExp(`\\[recorder\\] event .*"${id}"`));
      const event = JSON.parse(line.message.slice(line.message.indexOf('{')));
      assert.equal(event.eventType, 'INVOKE');
      assert.equal(event.requestId, id);
      assert.equal(
        event.invokedFunctionArn,
        'arn:aws:lambda:us-east-1:000000000000:function:withext',
      );
      assert.equal(event.tracing.type, 'X-Amzn-Trace-Id');
      assert.match(event.tracing.value, /^Root=1-/);
      assert.ok(event.deadlineMs > Date.now() - 60_000);
    }
    const registered = await waitForLog('withext', /\[recorder\] registered: /);
    assert.deepEqual(JSON.parse(registered.message.slice(registered.message.indexOf('{'))), {
      functionName: 'withext',
      functionVersion: '$LATEST',
      handler: 'index.handler',
    });
    await waitForLog('withext', /\[recorder\] starting, handler env: none/);

    // Reaping delivers SHUTDOWN (spindown) before the instance goes.
    time.advance(61_000);
    const t0 = Date.now();
    assert.equal(p.scheduler.reapIdle(), 1);
    const bye = await waitForLog('withext', /\[recorder\] event .*SHUTDOWN/);
    const shutdown = JSON.parse(bye.message.slice(bye.message.indexOf('{')));
    assert.equal(shutdown.shutdownReason, 'spindown');
    assert.ok(shutdown.deadlineMs > time.clock.now(), 'the deadline is ahead');
    await waitForLog('withext', /\[recorder\] bye/);
    const until = Date.now() + 5000;
    while (p.scheduler.stats().instances > 0 && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.equal(p.scheduler.stats().instances, 0);
    assert.ok(
      Date.now() - t0 < 1900,
      'stopped as soon as the extension was done, not after the grace',
    );
  });
  test('a custom runtime with an extension: one relay serves AWS_LAMBDA_RUNTIME_API to both', {
    skip: sandboxed ? false : 'needs socat (the relay behind AWS_LAMBDA_RUNTIME_API)',
  }, async () => {
    const layer = await p.app.inject({
      method: 'POST',
      url: '/2018-10-31/layers/recorder2/versions',
      payload: JSON.stringify({
        Content: {
          ZipFile: (
            await makeZip(
              { 'extensions/recorder': RECORDER },
              { executable: ['extensions/recorder'] },
            )
          ).toString('base64'),
        },
      }),
    });
    assert.equal(layer.statusCode, 201, layer.body);
    const zip = await makeZip({ bootstrap: BOOTSTRAP }, { executable: ['bootstrap'] });
    const c = await p.app.inject({
      method: 'POST',
      url: '/2015-03-31/functions',
      payload: JSON.stringify({
        FunctionName: 'customext',
        Runtime: 'provided.al2023',
        Handler: 'x',
        Role: 'arn:aws:iam::000000000000:role/test',
        Code: { ZipFile: zip.toString('base64') },
        Layers: [layer.json().LayerVersionArn],
      }),
    });
    assert.equal(c.statusCode, 201, c.body);
    const r = await invoke('customext', {});
    assert.equal(r.headers['x-amz-function-error'], undefined, r.body);
    const id = String(r.headers['x-amzn-requestid']);
    assert.equal(r.json(), id);
    await waitForLog('customext', new RegExp(`\\[recorder\\] event .*"${id}"`));
    const all = (await logs('customext')).map((e) => e.message).join('\n');
    assert.doesNotMatch(all, /Address already in use|relay/i, 'no second relay was started');
  });
});
