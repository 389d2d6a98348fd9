import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { InjectOptions } from 'fastify';
import type { Platform } from '../../src/server.js';
import { movableClock } from '../helpers/clock.js';
import { createBody, testPlatform } from '../helpers/platform.js';

const ARN = (name: string) => `arn:aws:lambda:us-east-1:000000000000:function:${name}`;

describe('async (Event) invocations on an injected clock', () => {
  let p: Platform;
  let close: () => Promise<void>;
  const { clock, advance } = movableClock();
  before(async () => {
    ({ platform: p, close } = await testPlatform(
      { asyncRetryBaseMs: 60_000 },
      { clock, startAsync: false },
    ));
    // `flaky` fails while its payload says so; `sink` logs every event it gets (destination target).
    for (const [name, code] of [
      [
        'flaky',
        'exports.handler = async (e) => { console.log("got", JSON.stringify(e)); if (e.fail) throw new Error("asked to fail"); return { ok: e.n ?? null }; };',
      ],
      [
        'sink',
        'exports.handler = async (e) => { console.log("SINK " + JSON.stringify(e)); return "stored"; };',
      ],
    ] as const) {
      const r = await p.app.inject({
        method: 'POST',
        url: '/2015-03-31/functions',
        payload: await createBody(name, { 'index.js': code }),
      });
      assert.equal(r.statusCode, 201);
    }
  });
  after(async () => close());

  const inject = (o: InjectOptions) => p.app.inject(o);
  const event = (name: string, body: unknown, headers: Record<string, string> = {}) =>
    inject({
      method: 'POST',
      url: `/2015-03-31/functions/${name}/invocations`,
      payload: JSON.stringify(body),
      headers: { 'X-Amz-Invocation-Type': 'Event', ...headers },
    });
  const record = async (id: string) =>
    (await inject({ method: 'GET', url: `/nimbus/v1/invocations/${id}` })).json();
  const putConfig = (name: string, cfg: unknown) =>
    inject({
      method: 'PUT',
      url: `/2019-09-25/functions/${name}/event-invoke-config`,
      payload: JSON.stringify(cfg),
    });
  async function sinkEvents(): Promise<Record<string, unknown>[]> {
    await p.logs.flush();
    const r = await inject({ method: 'GET', url: '/nimbus/v1/functions/sink/logs?limit=1000' });
    return r
      .json()
      .events.map((e: { message: string }) => /\tSINK (.*)$/.exec(e.message)?.[1])
      .filter(Boolean)
      .map((s: string) => JSON.parse(s));
  }

  test('202 only once durable; delivered by the dispatcher; the record goes queued → succeeded with its logs', async () => {
    const r = await event('flaky', { n: 1 });
    assert.equal(r.statusCode, 202);
    assert.equal(r.body, '');
    const id = String(r.headers['x-amzn-requestid']);
    assert.equal((await record(id)).invocation.status, 'queued');
    assert.equal(
      await p.store.asyncEvents.pending('flaky'),
      1,
      'the event is in the store before delivery',
    );
    assert.equal(await p.dispatcher.runDue(), 1);
    await p.logs.flush();
    const rec = await record(id);
    assert.equal(rec.invocation.status, 'succeeded');
    assert.equal(rec.invocation.invocationType, 'Event');
    assert.equal(rec.invocation.attempts, 1);
    assert.equal(typeof rec.invocation.durationMs, 'number');
    assert.ok(rec.logs.some((l: { message: string }) => l.message.includes('got {"n":1}')));
    assert.equal(await p.store.asyncEvents.pending('flaky'), 0);
  });

  test('retries with backoff on the clock, then the dead-letter list and the OnFailure destination', async () => {
    const bad = await putConfig('flaky', { MaximumRetryAttempts: 9 });
    assert.equal(bad.statusCode, 400);
    const none = await putConfig('flaky', {});
    assert.match(none.json().Message, /at least one of error handling or destination setting/);
    const self = await putConfig('flaky', {
      DestinationConfig: { OnFailure: { Destination: ARN('flaky') } },
    });
    assert.match(self.json().Message, /destination for itself/);
    const cfg = await putConfig('flaky', {
      MaximumRetryAttempts: 1,
      DestinationConfig: {
        OnFailure: { Destination: ARN('sink') },
        OnSuccess: { Destination: ARN('sink') },
      },
    });
    assert.equal(cfg.statusCode, 200, cfg.body);
    assert.equal(cfg.json().MaximumRetryAttempts, 1);
    assert.equal(cfg.json().DestinationConfig.OnFailure.Destination, ARN('sink'));

    const id = String((await event('flaky', { fail: true })).headers['x-amzn-requestid']);
    await p.dispatcher.runDue();
    let rec = (await record(id)).invocation;
    assert.equal(rec.status, 'retrying');
    assert.equal(rec.errorMessage, 'asked to fail');
    assert.equal(await p.dispatcher.runDue(), 0, 'not due before the backoff');
    advance(30_000);
    assert.equal(await p.dispatcher.runDue(), 0, 'still not due (backoff is about a minute)');
    advance(45_000);
    // The retry, then (queued by its failure) the OnFailure destination event.
    assert.equal(await p.dispatcher.runDue(), 2);
    rec = (await record(id)).invocation;
    assert.equal(rec.status, 'dead-lettered');
    assert.equal(rec.attempts, 2, 'one try plus one retry');

    const dlq = (await inject({ method: 'GET', url: '/nimbus/v1/functions/flaky/dlq' })).json();
    const letter = dlq.deadLetters.find((l: { requestId: string }) => l.requestId === id);
    assert.equal(letter.reason, 'RetriesExhausted');
    assert.equal(letter.errorType, 'Error');
    assert.equal(letter.payload, '{"fail":true}');

    const sunk = await sinkEvents();
    const failure = sunk.find((e) => (e.requestContext as { requestId: string }).requestId === id)!;
    assert.ok(failure, 'the OnFailure destination got the invocation record');
    assert.equal((failure.requestContext as { condition: string }).condition, 'RetriesExhausted');
    assert.equal(
      (failure.requestContext as { approximateInvokeCount: number }).approximateInvokeCount,
      2,
    );
    assert.deepEqual(failure.requestPayload, { fail: true });
    assert.equal((failure.responseContext as { functionError: string }).functionError, 'Unhandled');
    assert.equal(
      (failure.responsePayload as { errorMessage: string }).errorMessage,
      'asked to fail',
    );

    // Success goes to OnSuccess.
    const ok = String((await event('flaky', { n: 7 })).headers['x-amzn-requestid']);
    await p.dispatcher.runDue();
    await p.dispatcher.runDue();
    const success = (await sinkEvents()).find(
      (e) => (e.requestContext as { requestId: string }).requestId === ok,
    )!;
    assert.equal((success.requestContext as { condition: string }).condition, 'Success');
    assert.deepEqual(success.responsePayload, { ok: 7 });

    // Redrive queues the dead letter again; purge empties the list.
    const redrive = (
      await inject({
        method: 'POST',
        url: '/nimbus/v1/functions/flaky/dlq/redrive',
        payload: JSON.stringify({ ids: [id] }),
      })
    ).json();
    assert.equal(redrive.redriven, 1);
    assert.equal((await record(redrive.requestIds[0])).invocation.source, `redrive:${id}`);
    assert.equal(
      (await inject({ method: 'GET', url: '/nimbus/v1/functions/flaky/dlq' })).json().deadLetters
        .length,
      0,
    );
    await inject({ method: 'DELETE', url: '/2019-09-25/functions/flaky/event-invoke-config' });
  });

  test('an event older than MaximumEventAgeInSeconds is not run', async () => {
    assert.equal(
      (await putConfig('flaky', { MaximumEventAgeInSeconds: 60, MaximumRetryAttempts: 0 }))
        .statusCode,
      200,
    );
    const id = String((await event('flaky', { n: 2 })).headers['x-amzn-requestid']);
    advance(61_000);
    await p.dispatcher.runDue();
    const rec = (await record(id)).invocation;
    assert.equal(rec.status, 'dead-lettered');
    assert.equal(rec.attempts, 0);
    const letter = (await inject({ method: 'GET', url: '/nimbus/v1/functions/flaky/dlq' }))
      .json()
      .deadLetters.find((l: { requestId: string }) => l.requestId === id);
    assert.equal(letter.reason, 'EventAgeExceeded');
    await inject({ method: 'DELETE', url: '/nimbus/v1/functions/flaky/dlq', payload: '{}' });
    await inject({ method: 'DELETE', url: '/2019-09-25/functions/flaky/event-invoke-config' });
  });

  test('a throttled event waits (not dropped, not an attempt) and runs once capacity returns', async () => {
    await inject({
      method: 'PUT',
      url: '/2017-10-31/functions/flaky/concurrency',
      payload: '{"ReservedConcurrentExecutions":0}',
    });
    const id = String((await event('flaky', { n: 3 })).headers['x-amzn-requestid']);
    await p.dispatcher.runDue();
    let rec = (await record(id)).invocation;
    assert.equal(rec.status, 'queued');
    assert.equal(rec.attempts, 0);
    advance(2000);
    await p.dispatcher.runDue();
    assert.equal((await record(id)).invocation.status, 'queued');
    await inject({ method: 'DELETE', url: '/2017-10-31/functions/flaky/concurrency' });
    advance(2000);
    await p.dispatcher.runDue();
    rec = (await record(id)).invocation;
    assert.equal(rec.status, 'succeeded');
    assert.equal(rec.attempts, 1);
  });

  test('a client token de-duplicates submissions within the window', async () => {
    const a = await event('flaky', { n: 4 }, { 'X-Nimbus-Client-Token': 'order-42' });
    const b = await event('flaky', { n: 4 }, { 'X-Nimbus-Client-Token': 'order-42' });
    assert.equal(a.statusCode, 202);
    assert.equal(b.statusCode, 202);
    assert.equal(b.headers['x-amzn-requestid'], a.headers['x-amzn-requestid']);
    assert.equal(b.headers['x-nimbus-duplicate'], 'true');
    assert.equal(await p.store.asyncEvents.pending('flaky'), 1);
    advance(11 * 60_000);
    const c = await event('flaky', { n: 4 }, { 'X-Nimbus-Client-Token': 'order-42' });
    assert.notEqual(
      c.headers['x-amzn-requestid'],
      a.headers['x-amzn-requestid'],
      'after the window it is new',
    );
    await p.dispatcher.runDue();
  });

  test('bad input: payload over 1 MB is 413, unknown function 404; records list filters', async () => {
    const big = await event('flaky', { x: 'y'.repeat(1024 * 1024) });
    assert.equal(big.statusCode, 413);
    assert.equal(big.headers['x-amzn-errortype'], 'RequestTooLargeException');
    assert.equal((await event('nosuch', {})).statusCode, 404);
    const sync = await inject({
      method: 'POST',
      url: '/2015-03-31/functions/flaky/invocations',
      payload: '{"n":9}',
    });
    const syncId = String(sync.headers['x-amzn-requestid']);
    await p.records.flush();
    const syncRec = (await record(syncId)).invocation;
    assert.equal(syncRec.invocationType, 'RequestResponse');
    assert.equal(syncRec.status, 'succeeded');
    const failed = (
      await inject({
        method: 'GET',
        url: '/nimbus/v1/invocations?function=flaky&status=dead-lettered',
      })
    ).json();
    assert.ok(failed.invocations.length >= 1);
    assert.ok(
      failed.invocations.every(
        (r: { status: string; functionName: string }) =>
          r.status === 'dead-lettered' && r.functionName === 'flaky',
      ),
    );
    const page = (
      await inject({ method: 'GET', url: '/nimbus/v1/invocations?function=flaky&limit=2' })
    ).json();
    assert.equal(page.invocations.length, 2);
    const next = (
      await inject({
        method: 'GET',
        url: `/nimbus/v1/invocations?function=flaky&limit=2&marker=${page.nextMarker}`,
      })
    ).json();
    assert.ok(next.invocations.length >= 1);
    assert.ok(
      !next.invocations.some((r: { requestId: string }) =>
        page.invocations.some((q: { requestId: string }) => q.requestId === r.requestId),
      ),
    );
    assert.equal(
      (await inject({ method: 'GET', url: '/nimbus/v1/invocations?status=bogus' })).statusCode,
      400,
    );
  });
});
