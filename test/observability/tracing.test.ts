import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { type RunningServer, startServer } from '../../src/server.js';
import { resolveConfig } from '../../src/shared/config.js';
import { OtlpReceiver, type ReceivedSpan } from '../helpers/otlp-receiver.js';
import { createBody } from '../helpers/platform.js';

// Finished spans leave in batches every 100 ms instead of OTel's 5 s (read by BatchSpanProcessor).
process.env.OTEL_BSP_SCHEDULE_DELAY = '100';

const SERVER = 2;
const PRODUCER = 4;
const CONSUMER = 5;
const INTERNAL = 1;

/** What the function saw: `_X_AMZN_TRACE_ID`, its client context's custom part, an HTTP event's traceparent. */
const ECHO = `exports.handler = async (event, context) => {
  const seen = {
    xray: process.env._X_AMZN_TRACE_ID,
    custom: context.clientContext ? context.clientContext.custom : null,
    traceparent: event.headers ? event.headers.traceparent : null,
  };
  console.log('SEEN ' + JSON.stringify(seen));
  return event.requestContext ? { statusCode: 200, body: JSON.stringify(seen) } : seen;
};`;

const hex = (n: number, seed: string) => seed.repeat(n).slice(0, n);
const xrayRoot = (traceId: string) => `1-${traceId.slice(0, 8)}-${traceId.slice(8)}`;

async function until<T>(what: string, get: () => T | undefined | Promise<T | undefined>) {
  const end = Date.now() + 20_000;
  while (Date.now() < end) {
    const v = await get();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`timed out waiting for ${what}`);
}

/** `Root=…;Parent=…;Sampled=…` as fields. */
function xrayFields(h: string): Record<string, string> {
  return Object.fromEntries(h.split(';').map((kv) => kv.split('=') as [string, string]));
}

describe('tracing: spans over OTLP/HTTP for sync, async, gateway and queue invocations', () => {
  const receiver = new OtlpReceiver();
  let server: RunningServer;
  let dataDir: string;

  before(async () => {
    const endpoint = await receiver.start();
    dataDir = mkdtempSync(path.join(tmpdir(), 'nimbus-tracing-'));
    server = await startServer(
      resolveConfig({ dataDir, port: 0, httpPort: 0, otlpEndpoint: endpoint }, {}),
    );
    const r = await server.platform.app.inject({
      method: 'POST',
      url: '/2015-03-31/functions',
      payload: await createBody('echo', { 'index.js': ECHO }),
    });
    assert.equal(r.statusCode, 201, r.body);
  });
  after(async () => {
    await server?.close();
    await receiver.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const invoke = (headers: Record<string, string> = {}) =>
    server.platform.app.inject({
      method: 'POST',
      url: '/2015-03-31/functions/echo/invocations',
      payload: '{}',
      headers,
    });
  const span = (pred: (s: ReceivedSpan) => boolean, what: string) =>
    until(what, () => receiver.spans.find(pred));
  const childrenOf = (parent: ReceivedSpan) =>
    receiver.spans.filter((s) => s.parentSpanId === parent.spanId && s.traceId === parent.traceId);

  test('sync Invoke without traceparent: a new trace, queue/init/handler under the Invoke span', async () => {
    const r = await invoke();
    assert.equal(r.statusCode, 200, r.body);
    const requestId = String(r.headers['x-amzn-requestid']);
    const seen = r.json() as { xray: string; custom: { traceparent: string } };
    const entry = await span(
      (s) => s.name === 'Invoke echo' && s.attributes['faas.invocation.id'] === requestId,
      'the Invoke span',
    );
    assert.equal(entry.kind, SERVER);
    assert.equal(entry.parentSpanId, '');
    assert.equal(entry.attributes['faas.trigger'], 'other');
    assert.equal(entry.attributes['faas.name'], 'echo');
    assert.equal(entry.attributes['faas.version'], '$LATEST');
    assert.equal(entry.attributes['faas.max_memory'], 128 * 1024 * 1024);
    assert.equal(entry.attributes['faas.coldstart'], true);
    assert.equal(
      entry.attributes['cloud.resource_id'],
      'arn:aws:lambda:us-east-1:000000000000:function:echo:$LATEST',
    );
    assert.equal(entry.resource['service.name'], 'nimbus');
    const handler = await until('the handler span', () =>
      childrenOf(entry).find((s) => s.name === 'handler'),
    );
    assert.equal(handler.kind, INTERNAL);
    const init = childrenOf(entry).find((s) => s.name === 'init');
    assert.ok(init, 'a cold start has an init span');
    assert.ok(BigInt(init.endTimeUnixNano) <= BigInt(handler.startTimeUnixNano) + 1_000_000n);
    // The function saw the handler span: X-Ray form and W3C form in its client context.
    const x = xrayFields(seen.xray);
    assert.equal(x.Root, xrayRoot(entry.traceId));
    assert.equal(x.Parent, handler.spanId);
    assert.equal(x.Sampled, '1');
    assert.equal(seen.custom.traceparent, `00-${entry.traceId}-${handler.spanId}-01`);
  });

  test('sync Invoke with a traceparent continues the caller trace, client context kept', async () => {
    const traceId = hex(32, '4bf92f3577b34da6a3ce929d0e0e4736');
    const parent = '00f067aa0ba902b7';
    const clientContext = Buffer.from(JSON.stringify({ custom: { a: 1 } })).toString('base64');
    const r = await invoke({
      traceparent: `00-${traceId}-${parent}-01`,
      'X-Amz-Client-Context': clientContext,
    });
    assert.equal(r.statusCode, 200, r.body);
    const seen = r.json() as { xray: string; custom: { a: number; traceparent: string } };
    const entry = await span((s) => s.traceId === traceId && s.name === 'Invoke echo', 'span');
    assert.equal(entry.parentSpanId, parent);
    assert.equal(entry.attributes['faas.coldstart'], false);
    const handler = await until('handler', () =>
      childrenOf(entry).find((s) => s.name === 'handler'),
    );
    assert.equal(childrenOf(entry).filter((s) => s.name === 'init').length, 0, 'warm: no init');
    assert.equal(xrayFields(seen.xray).Root, xrayRoot(traceId));
    assert.equal(seen.custom.a, 1);
    assert.equal(seen.custom.traceparent, `00-${traceId}-${handler.spanId}-01`);
  });

  test('an unsampled caller: the function sees Sampled=0 and nothing is exported', async () => {
    const traceId = hex(32, 'aa11');
    const r = await invoke({ traceparent: `00-${traceId}-${hex(16, 'bb')}-00` });
    assert.equal(xrayFields((r.json() as { xray: string }).xray).Sampled, '0');
    assert.equal(xrayFields((r.json() as { xray: string }).xray).Root, xrayRoot(traceId));
    await new Promise((res) => setTimeout(res, 400));
    assert.equal(receiver.spans.filter((s) => s.traceId === traceId).length, 0);
  });

  test('async Invoke: the delivery is a child of the Event call, and the function saw that trace', async () => {
    const traceId = hex(32, 'c0ffee12');
    const r = await invoke({
      'X-Amz-Invocation-Type': 'Event',
      traceparent: `00-${traceId}-${hex(16, 'd1')}-01`,
    });
    assert.equal(r.statusCode, 202);
    const requestId = String(r.headers['x-amzn-requestid']);
    const enqueue = await span((s) => s.traceId === traceId && s.kind === PRODUCER, 'Event call');
    assert.equal(enqueue.name, 'Invoke echo');
    assert.equal(enqueue.attributes['nimbus.invocation_type'], 'Event');
    const delivery = await span(
      (s) => s.kind === CONSUMER && s.attributes['faas.invocation.id'] === requestId,
      'the delivery span',
    );
    assert.equal(delivery.name, 'echo');
    assert.equal(delivery.traceId, traceId);
    assert.equal(delivery.parentSpanId, enqueue.spanId);
    assert.equal(delivery.attributes['nimbus.source'], 'api');
    const handler = await until('handler', () =>
      childrenOf(delivery).find((s) => s.name === 'handler'),
    );
    const line = await until('the function log', async () => {
      const { events } = await server.platform.store.logs.query({
        functionName: 'echo',
        requestId,
        limit: 50,
      });
      return events.find((e) => e.message.includes('SEEN '))?.message;
    });
    const seen = JSON.parse(line.slice(line.indexOf('SEEN ') + 5)) as { xray: string };
    assert.equal(xrayFields(seen.xray).Root, xrayRoot(traceId));
    assert.equal(xrayFields(seen.xray).Parent, handler.spanId);
  });

  test('gateway request with a traceparent: a SERVER span per request, the event carries it', async () => {
    const route = await server.platform.app.inject({
      method: 'POST',
      url: '/nimbus/v1/routes',
      payload: JSON.stringify({ route: 'GET /web', function: 'echo' }),
    });
    assert.equal(route.statusCode, 201, route.body);
    const traceId = hex(32, '0af7651916cd43dd8448eb211c80319c');
    const parent = 'b7ad6b7169203331';
    const res = await fetch(`http://127.0.0.1:${server.platform.gateway.port}/web`, {
      headers: { traceparent: `00-${traceId}-${parent}-01` },
    });
    assert.equal(res.status, 200);
    const seen = (await res.json()) as { xray: string; traceparent: string; custom: unknown };
    const entry = await span((s) => s.traceId === traceId && s.kind === SERVER, 'gateway span');
    assert.equal(entry.name, 'GET /web');
    assert.equal(entry.parentSpanId, parent);
    assert.equal(entry.attributes['faas.trigger'], 'http');
    assert.equal(entry.attributes['http.request.method'], 'GET');
    assert.equal(entry.attributes['http.route'], '/web');
    assert.equal(entry.attributes['http.response.status_code'], 200);
    assert.equal(entry.attributes['faas.name'], 'echo');
    const handler = await until('handler', () =>
      childrenOf(entry).find((s) => s.name === 'handler'),
    );
    // The event's traceparent names the gateway span, as a traced proxy's would.
    assert.equal(seen.traceparent, `00-${traceId}-${entry.spanId}-01`);
    assert.equal(xrayFields(seen.xray).Root, xrayRoot(traceId));
    assert.equal(xrayFields(seen.xray).Parent, handler.spanId);
    assert.equal(seen.custom, null, 'HTTP events get no client context');
  });

  test('queue-triggered: the batch span links to each sender (AWSTraceHeader, or the X-Amzn-Trace-Id it sent with)', async () => {
    await server.platform.aws.queues.registry.create('jobs', {}, {});
    const sqs = new SQSClient({
      endpoint: server.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'dummy' },
      maxAttempts: 1,
    });
    const traceId = hex(32, '5759e988bd862e3fe1be46a994272793');
    const sender = '53995c3f42cd8ad8';
    const queueUrl = `${server.url}/000000000000/jobs`;
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: 'job',
        MessageSystemAttributes: {
          AWSTraceHeader: {
            DataType: 'String',
            StringValue: `Root=${xrayRoot(traceId)};Parent=${sender};Sampled=1`,
          },
        },
      }),
    );
    // As the AWS SDK sends from inside a traced function: the X-Ray header on the request.
    const traceId2 = hex(32, '1f2e3d4c5b6a79881f2e3d4c5b6a7988');
    const sender2 = '0123456789abcdef';
    sqs.middlewareStack.add(
      (next) => (args) => {
        const req = args.request as { headers: Record<string, string> };
        req.headers['x-amzn-trace-id'] = `Root=${xrayRoot(traceId2)};Parent=${sender2};Sampled=1`;
        return next(args);
      },
      { step: 'build' },
    );
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'job 2' }));
    sqs.destroy();
    const esm = await server.platform.app.inject({
      method: 'POST',
      url: '/2015-03-31/event-source-mappings',
      payload: JSON.stringify({
        FunctionName: 'echo',
        EventSourceArn: 'arn:aws:sqs:us-east-1:000000000000:jobs',
        BatchSize: 10,
      }),
    });
    assert.equal(esm.statusCode, 202, esm.body);
    const batch = await span(
      (s) => s.kind === CONSUMER && s.attributes['faas.trigger'] === 'pubsub',
      'the batch span',
    );
    assert.equal(batch.name, 'echo');
    assert.equal(batch.parentSpanId, '');
    assert.notEqual(batch.traceId, traceId);
    const links = [
      { traceId, spanId: sender },
      { traceId: traceId2, spanId: sender2 },
    ];
    assert.deepEqual(batch.links, links);
    assert.equal(batch.attributes['messaging.system'], 'aws_sqs');
    assert.equal(batch.attributes['messaging.destination.name'], 'jobs');
    assert.equal(batch.attributes['messaging.batch.message_count'], 2);
    const handler = await until('handler', () =>
      childrenOf(batch).find((s) => s.name === 'handler'),
    );
    assert.deepEqual(handler.links, links);
    const requestId = String(batch.attributes['faas.invocation.id']);
    const line = await until('the function log', async () => {
      const { events } = await server.platform.store.logs.query({
        functionName: 'echo',
        requestId,
        limit: 50,
      });
      return events.find((e) => e.message.includes('SEEN '))?.message;
    });
    const seen = JSON.parse(line.slice(line.indexOf('SEEN ') + 5)) as { xray: string };
    assert.equal(xrayFields(seen.xray).Root, xrayRoot(batch.traceId));
    assert.equal(xrayFields(seen.xray).Parent, handler.spanId);
    assert.deepEqual(receiver.rejected, []);
  });
});
