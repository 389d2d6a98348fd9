import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as semconv from '@opentelemetry/semantic-conventions/incubating';
import { createPlatform, type RunningServer, startServer } from '../../src/server.js';
import { resolveConfig } from '../../src/shared/config.js';
import { ATTR, tracesUrl } from '../../src/tracing/index.js';
import { OtlpReceiver, type ReceivedSpan } from '../helpers/otlp-receiver.js';
import { createBody } from '../helpers/platform.js';

process.env.OTEL_BSP_SCHEDULE_DELAY = '100';

const SLOW = `exports.handler = async () => {
  await new Promise((r) => setTimeout(r, 300));
  return process.env._X_AMZN_TRACE_ID;
};`;

async function until<T>(what: string, get: () => T | undefined): Promise<T> {
  const end = Date.now() + 20_000;
  while (Date.now() < end) {
    const v = get();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`timed out waiting for ${what}`);
}

type Inject = (o: {
  method: 'POST' | 'PUT' | 'DELETE';
  url: string;
  payload?: string;
  headers?: Record<string, string>;
}) => Promise<{ statusCode: number; body: string; headers: Record<string, unknown> }>;

async function deploy(inject: Inject, name: string, source: string): Promise<void> {
  const r = await inject({
    method: 'POST',
    url: '/2015-03-31/functions',
    payload: await createBody(name, { 'index.js': source }),
  });
  assert.equal(r.statusCode, 201, r.body);
}

describe('tracing: an async event keeps its trace across a restart; run-slot waits are spans', () => {
  const receiver = new OtlpReceiver();
  let dataDir: string;
  let server: RunningServer | undefined;

  before(async () => {
    await receiver.start();
    dataDir = mkdtempSync(path.join(tmpdir(), 'nimbus-tracing-restart-'));
  });
  after(async () => {
    await server?.close();
    await receiver.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  const cfg = () =>
    resolveConfig(
      {
        dataDir,
        port: 0,
        httpPort: 0,
        runSlots: 1,
        otlpEndpoint: `http://127.0.0.1:${receiver.port}`,
      },
      {},
    );

  test('enqueued before a restart, delivered after: the delivery is a child of the Event call', async () => {
    // First life: the event is stored, never delivered (no dispatcher).
    const first = await createPlatform(cfg(), { startAsync: false });
    const inject = first.app.inject.bind(first.app) as unknown as Inject;
    await deploy(inject, 'slow', SLOW);
    const traceId = 'abcdef0123456789abcdef0123456789';
    const r = await inject({
      method: 'POST',
      url: '/2015-03-31/functions/slow/invocations',
      payload: '{}',
      headers: {
        'X-Amz-Invocation-Type': 'Event',
        traceparent: `00-${traceId}-1234567890abcdef-01`,
      },
    });
    assert.equal(r.statusCode, 202);
    const requestId = String(r.headers['x-amzn-requestid']);
    await first.shutdown();
    const enqueue = receiver.spans.find((s) => s.traceId === traceId);
    assert.ok(enqueue, 'shutdown flushed the Event call span');
    assert.equal(enqueue.parentSpanId, '1234567890abcdef');

    // Second life: the stored traceparent parents the delivery.
    server = await startServer(cfg());
    const delivery = await until('the delivery span', () =>
      receiver.spans.find((s) => s.attributes[ATTR.faasInvocationId] === requestId && s.kind === 5),
    );
    assert.equal(delivery.traceId, traceId);
    assert.equal(delivery.parentSpanId, enqueue.spanId);
  });

  test('an invocation that waited for a run slot has a queue wait span before its handler', async () => {
    assert.ok(server);
    const invoke = () =>
      server?.platform.app.inject({
        method: 'POST',
        url: '/2015-03-31/functions/slow/invocations',
        payload: '{}',
      });
    const [a, b] = await Promise.all([invoke(), invoke()]);
    assert.equal(a?.statusCode, 200);
    assert.equal(b?.statusCode, 200);
    const ids = [a, b].map((r) => String(r?.headers['x-amzn-requestid']));
    const entries = await until('both Invoke spans', () => {
      const found = receiver.spans.filter(
        (s) =>
          s.name === 'Invoke slow' && ids.includes(String(s.attributes[ATTR.faasInvocationId])),
      );
      return found.length === 2 ? found : undefined;
    });
    const children = (e: ReceivedSpan) => receiver.spans.filter((s) => s.parentSpanId === e.spanId);
    const waits = entries.flatMap((e) => children(e).filter((s) => s.name === 'queue wait'));
    assert.equal(waits.length, 1, 'one of the two waited for the busy instance');
    const wait = waits[0]!;
    const waited = entries.find((e) => e.spanId === wait.parentSpanId)!;
    const handler = await until('its handler span', () =>
      children(waited).find((s) => s.name === 'handler'),
    );
    assert.ok(BigInt(wait.endTimeUnixNano) - BigInt(wait.startTimeUnixNano) >= 100_000_000n);
    assert.ok(BigInt(wait.endTimeUnixNano) <= BigInt(handler.startTimeUnixNano) + 1_000_000n);
  });
});

describe('tracing: failures and destinations', () => {
  const receiver = new OtlpReceiver();
  let dataDir: string;
  let server: RunningServer;
  before(async () => {
    await receiver.start();
    dataDir = mkdtempSync(path.join(tmpdir(), 'nimbus-tracing-fail-'));
    server = await startServer(
      resolveConfig(
        { dataDir, port: 0, httpPort: 0, otlpEndpoint: `http://127.0.0.1:${receiver.port}` },
        {},
      ),
    );
  });
  after(async () => {
    await server?.close();
    await receiver.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('a failed init: the Invoke and init spans are in error, with no handler span', async () => {
    const inject = server.platform.app.inject.bind(server.platform.app) as unknown as Inject;
    await deploy(inject, 'broken', 'throw new Error("broken at import");');
    const r = await inject({
      method: 'POST',
      url: '/2015-03-31/functions/broken/invocations',
      payload: '{}',
    });
    assert.equal(r.headers['x-amz-function-error'], 'Unhandled');
    const requestId = String(r.headers['x-amzn-requestid']);
    const entry = await until('the Invoke span', () =>
      receiver.spans.find((s) => s.attributes[ATTR.faasInvocationId] === requestId),
    );
    assert.equal(entry.status.code, 2, 'ERROR');
    assert.match(String(entry.attributes['nimbus.error_type']), /^Runtime\./);
    const init = await until('the init span', () =>
      receiver.spans.find((s) => s.parentSpanId === entry.spanId && s.name === 'init'),
    );
    assert.equal(init.status.code, 2);
    assert.equal(
      receiver.spans.filter((s) => s.parentSpanId === entry.spanId && s.name === 'handler').length,
      0,
    );
  });
  test('an on-success destination continues the trace of the event that caused it', async () => {
    const inject = server.platform.app.inject.bind(server.platform.app) as unknown as Inject;
    await deploy(inject, 'first', 'exports.handler = async () => "done";');
    await deploy(inject, 'then', 'exports.handler = async () => null;');
    const cfg = await inject({
      method: 'PUT',
      url: '/2019-09-25/functions/first/event-invoke-config',
      payload: JSON.stringify({
        DestinationConfig: {
          OnSuccess: { Destination: 'arn:aws:lambda:us-east-1:000000000000:function:then' },
        },
      }),
    });
    assert.equal(cfg.statusCode, 200, cfg.body);
    const traceId = '0badcafe0badcafe0badcafe0badcafe';
    const r = await inject({
      method: 'POST',
      url: '/2015-03-31/functions/first/invocations',
      payload: '{}',
      headers: {
        'X-Amz-Invocation-Type': 'Event',
        traceparent: `00-${traceId}-00000000000000aa-01`,
      },
    });
    assert.equal(r.statusCode, 202);
    const dest = await until('the destination delivery', () =>
      receiver.spans.find((s) => s.name === 'then' && s.kind === 5),
    );
    assert.equal(dest.traceId, traceId);
    assert.equal(dest.attributes['nimbus.source'], 'destination:first');
  });
});

describe('tracing: off by default', () => {
  let server: RunningServer;
  let dataDir: string;
  before(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'nimbus-tracing-off-'));
    server = await startServer(resolveConfig({ dataDir, port: 0, httpPort: 0 }, {}));
  });
  after(async () => {
    await server?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('no endpoint: the X-Ray header is derived as before and a traceparent is not followed', async () => {
    const inject = server.platform.app.inject.bind(server.platform.app) as unknown as Inject;
    await deploy(
      inject,
      'plain',
      'exports.handler = async (e, c) => ({ xray: process.env._X_AMZN_TRACE_ID, cc: c.clientContext || null });',
    );
    const traceId = 'fedcba9876543210fedcba9876543210';
    const r = await inject({
      method: 'POST',
      url: '/2015-03-31/functions/plain/invocations',
      payload: '{}',
      headers: { traceparent: `00-${traceId}-1234567890abcdef-01` },
    });
    const seen = JSON.parse(r.body) as { xray: string; cc: unknown };
    assert.match(seen.xray, /^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=0$/);
    assert.ok(!seen.xray.includes(traceId.slice(8)));
    assert.equal(seen.cc, null);
  });
});

describe('tracing: names and URLs', () => {
  test('the copied semantic-convention names match the installed package', () => {
    assert.equal(ATTR.faasTrigger, semconv.ATTR_FAAS_TRIGGER);
    assert.equal(ATTR.faasInvocationId, semconv.ATTR_FAAS_INVOCATION_ID);
    assert.equal(ATTR.faasName, semconv.ATTR_FAAS_NAME);
    assert.equal(ATTR.faasVersion, semconv.ATTR_FAAS_VERSION);
    assert.equal(ATTR.faasColdstart, semconv.ATTR_FAAS_COLDSTART);
    assert.equal(ATTR.faasMaxMemory, semconv.ATTR_FAAS_MAX_MEMORY);
    assert.equal(ATTR.cloudResourceId, semconv.ATTR_CLOUD_RESOURCE_ID);
    assert.equal(ATTR.cloudRegion, semconv.ATTR_CLOUD_REGION);
    assert.equal(ATTR.cloudAccountId, semconv.ATTR_CLOUD_ACCOUNT_ID);
    assert.equal(ATTR.messagingSystem, semconv.ATTR_MESSAGING_SYSTEM);
    assert.equal(ATTR.messagingOperationType, semconv.ATTR_MESSAGING_OPERATION_TYPE);
    assert.equal(ATTR.messagingDestinationName, semconv.ATTR_MESSAGING_DESTINATION_NAME);
    assert.equal(ATTR.messagingBatchMessageCount, semconv.ATTR_MESSAGING_BATCH_MESSAGE_COUNT);
    assert.equal(semconv.FAAS_TRIGGER_VALUE_PUBSUB, 'pubsub');
    assert.equal(semconv.MESSAGING_SYSTEM_VALUE_AWS_SQS, 'aws_sqs');
  });

  test('--otlp-endpoint is a base URL; /v1/traces is added once; a bad URL is refused', () => {
    assert.equal(tracesUrl('http://127.0.0.1:4318'), 'http://127.0.0.1:4318/v1/traces');
    assert.equal(tracesUrl('http://c:4318/v1/traces/'), 'http://c:4318/v1/traces');
    assert.throws(
      () => resolveConfig({ otlpEndpoint: 'localhost:4318' }, {}),
      /otlpEndpoint must be an http:\/\/ or https:\/\/ URL/,
    );
    assert.equal(resolveConfig({}, { NIMBUS_METRICS: 'off' }).metrics, false);
  });
});
