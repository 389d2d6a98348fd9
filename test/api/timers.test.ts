import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Platform } from '../../src/server.js';
import { movableClock } from '../helpers/clock.js';
import { createBody, testPlatform } from '../helpers/platform.js';

describe('native API: /nimbus/v1/timers', () => {
  let p: Platform;
  let close: () => Promise<void>;
  const { clock, advance } = movableClock();

  before(async () => {
    ({ platform: p, close } = await testPlatform({}, { clock, startTimers: false }));
    const handler =
      'exports.handler = async (event) => { console.log("EVENT " + JSON.stringify(event)); return "ok"; };';
    for (const [name, extra] of [
      ['tick', {}],
      ['other', {}],
    ] as const) {
      const r = await p.app.inject({
        method: 'POST',
        url: '/2015-03-31/functions',
        payload: await createBody(name, { 'index.js': handler }, extra),
      });
      assert.equal(r.statusCode, 201, r.body);
    }
  });
  after(async () => close());

  const post = (body: unknown) =>
    p.app.inject({
      method: 'POST',
      url: '/nimbus/v1/timers',
      payload: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const put = (name: string, body: unknown) =>
    p.app.inject({
      method: 'PUT',
      url: `/nimbus/v1/timers/${name}`,
      payload: JSON.stringify(body),
    });
  const errorOf = (r: { body: string }) =>
    (JSON.parse(r.body) as { error: { code: string; message: string } }).error;

  test('timers: create, get, list, pause, resume, edit, delete', async () => {
    const before = clock.now();
    const c = await post({
      name: 'every-5',
      function: 'tick',
      schedule: 'rate(5 minutes)',
      payload: '{"k":1}',
    });
    assert.equal(c.statusCode, 201, c.body);
    const created = JSON.parse(c.body);
    assert.deepEqual(
      { ...created, nextFireAtMs: undefined, createdAtMs: undefined, updatedAtMs: undefined },
      {
        name: 'every-5',
        function: 'tick',
        qualifier: null,
        schedule: 'rate(5 minutes)',
        timezone: null,
        payload: '{"k":1}',
        enabled: true,
        catchUp: false,
        nextFireAtMs: undefined,
        lastFireAtMs: null,
        createdAtMs: undefined,
        updatedAtMs: undefined,
      },
    );
    assert.ok(
      created.nextFireAtMs >= before + 300_000 && created.nextFireAtMs <= clock.now() + 300_000,
    );

    const c2 = await post({
      name: 'noon.paris',
      function: 'other',
      qualifier: '$LATEST',
      schedule: 'cron(0 12 ? * MON-FRI *)',
      timezone: 'Europe/Paris',
      catchUp: true,
      enabled: false,
    });
    assert.equal(c2.statusCode, 201, c2.body);
    assert.equal(JSON.parse(c2.body).nextFireAtMs, null, 'paused: no next fire shown');

    const list = JSON.parse((await p.app.inject({ url: '/nimbus/v1/timers' })).body);
    assert.deepEqual(
      list.timers.map((t: { name: string }) => t.name),
      ['every-5', 'noon.paris'],
    );
    const filtered = JSON.parse(
      (await p.app.inject({ url: '/nimbus/v1/timers?function=other' })).body,
    );
    assert.deepEqual(
      filtered.timers.map((t: { name: string }) => t.name),
      ['noon.paris'],
    );

    const got = await p.app.inject({ url: '/nimbus/v1/timers/every-5' });
    assert.equal(got.statusCode, 200);
    assert.equal(JSON.parse(got.body).schedule, 'rate(5 minutes)');

    const paused = await put('every-5', { enabled: false });
    assert.equal(paused.statusCode, 200, paused.body);
    assert.equal(JSON.parse(paused.body).enabled, false);
    assert.equal(JSON.parse(paused.body).nextFireAtMs, null);
    const resumed = JSON.parse((await put('every-5', { enabled: true })).body);
    assert.equal(resumed.enabled, true);
    assert.equal(
      resumed.nextFireAtMs,
      created.nextFireAtMs,
      'resumed before its due time: same next fire',
    );

    const edited = await put('every-5', {
      schedule: '0 9 * * *',
      timezone: 'America/New_York',
      payload: null,
    });
    assert.equal(edited.statusCode, 200, edited.body);
    const e = JSON.parse(edited.body);
    assert.equal(e.schedule, '0 9 * * *');
    assert.equal(e.timezone, 'America/New_York');
    assert.equal(e.payload, null);

    assert.equal(
      (await p.app.inject({ method: 'DELETE', url: '/nimbus/v1/timers/every-5' })).statusCode,
      204,
    );
    assert.equal(
      (await p.app.inject({ method: 'DELETE', url: '/nimbus/v1/timers/every-5' })).statusCode,
      404,
    );
    assert.equal((await p.app.inject({ url: '/nimbus/v1/timers/every-5' })).statusCode, 404);
    assert.equal(
      (await p.app.inject({ method: 'DELETE', url: '/nimbus/v1/timers/noon.paris' })).statusCode,
      204,
    );
  });

  test('timers: validation errors name the problem', async () => {
    const cases: [unknown, number, string, RegExp][] = [
      [
        { name: 'a', function: 'tick', schedule: 'rate(1 hour)', color: 'red' },
        400,
        'ValidationException',
        /Unrecognized key.*color/,
      ],
      [{ name: 'a', function: 'tick' }, 400, 'ValidationException', /schedule/],
      [
        { name: 'a', function: 'tick', schedule: 'rate(1 hour)', enabled: 'yes' },
        400,
        'ValidationException',
        /enabled/,
      ],
      [
        { name: 'bad name!', function: 'tick', schedule: 'rate(1 hour)' },
        400,
        'BadRequest',
        /not a valid timer name/,
      ],
      [
        { name: 'a', function: 'nope', schedule: 'rate(1 hour)' },
        404,
        'NotFound',
        /Function not found: nope/,
      ],
      [
        { name: 'a', function: 'tick', qualifier: 'prod', schedule: 'rate(1 hour)' },
        404,
        'NotFound',
        /tick:prod/,
      ],
      [
        { name: 'a', function: 'tick', schedule: 'rate(1 hours)' },
        400,
        'BadRequest',
        /invalid schedule "rate\(1 hours\)": a rate of 1 takes the singular unit/,
      ],
      [
        { name: 'a', function: 'tick', schedule: 'cron(0 12 * * * *)' },
        400,
        'BadRequest',
        /exactly one of day-of-month and day-of-week must be \?/,
      ],
      [
        { name: 'a', function: 'tick', schedule: 'cron(0 12 * * ? 2001)' },
        400,
        'BadRequest',
        /never fires after now/,
      ],
      [
        { name: 'a', function: 'tick', schedule: 'rate(1 hour)', timezone: 'Moon/Base' },
        400,
        'BadRequest',
        /unknown time zone "Moon\/Base"/,
      ],
      [
        { name: 'a', function: 'tick', schedule: 'rate(1 hour)', payload: 'not json' },
        400,
        'BadRequest',
        /payload must be a JSON object for tick/,
      ],
      [
        { name: 'a', function: 'tick', schedule: 'rate(1 hour)', payload: 'x'.repeat(8193) },
        400,
        'BadRequest',
        /at most 8192/,
      ],
      ['{not json', 400, 'InvalidRequestContentException', /Could not parse request body/],
    ];
    for (const [body, status, code, message] of cases) {
      const r = await post(body);
      assert.equal(r.statusCode, status, `${JSON.stringify(body).slice(0, 80)} → ${r.body}`);
      const err = errorOf(r);
      assert.equal(err.code, code, r.body);
      assert.match(err.message, message);
    }
    assert.equal(
      (await post({ name: 'dup', function: 'tick', schedule: 'rate(1 hour)' })).statusCode,
      201,
    );
    const dup = await post({ name: 'dup', function: 'tick', schedule: 'rate(1 hour)' });
    assert.equal(dup.statusCode, 409);
    assert.match(errorOf(dup).message, /Timer already exists: dup/);

    const unknownField = await put('dup', { name: 'renamed' });
    assert.equal(unknownField.statusCode, 400);
    assert.match(errorOf(unknownField).message, /Unrecognized key.*name/);
    const missing = await put('ghost', { enabled: false });
    assert.equal(missing.statusCode, 404);
    assert.match(errorOf(missing).message, /Timer not found: ghost/);
    const badEdit = await put('dup', { schedule: 'rate(0 minutes)' });
    assert.equal(badEdit.statusCode, 400);
    const badQuery = await p.app.inject({ url: '/nimbus/v1/timers?fn=tick' });
    assert.equal(badQuery.statusCode, 400);
    assert.equal((await p.app.inject({ url: '/nimbus/v1/timers/bad%20name' })).statusCode, 400);
    await p.app.inject({ method: 'DELETE', url: '/nimbus/v1/timers/dup' });
  });

  test('timer fire → async queue → the real function runs with the Scheduled Event', async () => {
    const c = await post({
      name: 'e2e',
      function: 'tick',
      schedule: 'rate(1 minute)',
      payload: '{"job":"e2e"}',
    });
    assert.equal(c.statusCode, 201, c.body);
    const due = JSON.parse(c.body).nextFireAtMs as number;
    advance(due - clock.now());
    assert.equal(await p.timers.runDue(), 1);
    assert.equal(await p.timers.runDue(), 0);

    let event: Record<string, unknown> | undefined;
    const until = Date.now() + 20_000;
    while (!event && Date.now() < until) {
      const logs = JSON.parse(
        (await p.app.inject({ url: '/nimbus/v1/functions/tick/logs' })).body,
      ) as {
        events: { message: string }[];
      };
      const line = logs.events.find((e) => e.message.includes('EVENT {'))?.message;
      if (line) event = JSON.parse(line.slice(line.indexOf('EVENT ') + 6));
      else await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(event, 'the function logged the event it got');
    assert.equal(event['detail-type'], 'Scheduled Event');
    assert.equal(event.source, 'aws.events');
    assert.deepEqual(event.detail, { job: 'e2e' });
    assert.equal(event.time, new Date(due).toISOString().replace(/\.\d{3}Z$/, 'Z'));
    assert.deepEqual(event.resources, ['arn:aws:events:us-east-1:000000000000:rule/e2e']);
    const t = JSON.parse((await p.app.inject({ url: '/nimbus/v1/timers/e2e' })).body);
    assert.equal(t.lastFireAtMs, due);
    assert.equal(t.nextFireAtMs, due + 60_000);
  });
});
