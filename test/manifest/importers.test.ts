import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { fcSchedule } from '../../src/manifest/import/fc.js';
import {
  detectKind,
  formatIssue,
  loadProject,
  parseYaml,
  translate,
} from '../../src/manifest/index.js';

const FIXTURES = new URL('../fixtures/manifests/', import.meta.url);
const fixture = (p: string) => new URL(p, FIXTURES).pathname;
const warnings = (ws: { line: number; column: number; message: string }[]) =>
  ws.map((w) => `${w.line}:${w.column}: ${w.message}`);

describe('manifest: serverless.yml importer', () => {
  test('functions, provider defaults, variables and every supported event', async () => {
    const p = await loadProject(fixture('serverless/serverless.yml'));
    assert.equal(p.kind, 'serverless');
    const m = p.manifest;
    assert.equal(m.project, 'orders');
    assert.deepEqual(Object.keys(m.functions), ['list', 'get', 'nightly', 'worker']);
    const list = m.functions.list;
    assert.equal(list?.code, '.');
    assert.equal(list?.handler, 'src/orders.list');
    assert.equal(list?.memoryMb, 256);
    // ${self:custom.table} → orders-${self:provider.stage} → the stage's default in ${opt:stage, 'test'}.
    assert.deepEqual(list?.env, { TABLE: 'orders-test', GREETING: 'hello' });
    assert.deepEqual(list?.routes, [
      { route: 'GET /orders', payload: '1.0', cors: { allowOrigins: ['*'] } },
      { route: 'POST /orders', payload: '2.0' },
    ]);
    assert.equal(m.functions.get?.memoryMb, 512);
    assert.deepEqual(m.functions.nightly?.timers, {
      'nightly-schedule-1': { schedule: 'cron(0 3 * * ? *)', payload: '{"full":true}' },
      'nightly-schedule-2': { schedule: 'rate(1 hour)' },
    });
    const worker = m.functions.worker;
    assert.deepEqual(worker?.queues, [{ queue: 'order-jobs', batchSize: 5, reportFailures: true }]);
    assert.deepEqual(worker?.buckets, [
      {
        bucket: 'order-uploads',
        events: ['s3:ObjectCreated:*'],
        prefix: 'incoming/',
        suffix: '.csv',
      },
    ]);
    assert.equal(worker?.reservedConcurrency, 2);
    assert.deepEqual(worker?.async, { maxRetries: 1 });
    assert.deepEqual(m.queues, { 'order-jobs': { visibilityTimeoutS: 60 } });
    assert.deepEqual(m.buckets, { 'order-uploads': null });
  });

  test('what cannot be mapped is named, with its line', async () => {
    const p = await loadProject(fixture('serverless/serverless.yml'));
    assert.deepEqual(warnings(p.warnings), [
      '15:3: iam: not supported by Nimbus: ignored',
      '4:3: plugins: not run by Nimbus: ignored',
      '60:9: event stream: not supported by Nimbus (supported: http, httpApi, schedule, sqs, s3): left out',
    ]);
  });

  // `$` apart, so no string here reads as a misplaced template placeholder.
  const D = '$';
  test('env variables read the environment; an unresolvable variable the environment and an unresolvable variable is a warning', () => {
    const y = parseYaml(
      `service: s\nprovider:\n  environment:\n    A: ${D}{env:NIMBUS_TEST_VAR}\n    B: ${D}{self:custom.nope}\nfunctions:\n  f:\n    handler: h.h\n`,
      'serverless.yml',
    );
    process.env.NIMBUS_TEST_VAR = 'from-env';
    try {
      const t = translate(y);
      assert.equal(t.kind, 'serverless');
      assert.equal(t.manifest.defaults?.env?.A, 'from-env');
      assert.deepEqual(warnings(t.warnings), [
        `5:8: cannot resolve ${D}{self:custom.nope}: kept as written`,
      ]);
    } finally {
      delete process.env.NIMBUS_TEST_VAR;
    }
  });
});

describe('manifest: SAM template.yaml importer', () => {
  test('functions with Globals, events, URL, retries, queues and buckets; !Ref/!GetAtt/!Sub resolved', async () => {
    const p = await loadProject(fixture('sam/template.yaml'));
    assert.equal(p.kind, 'sam');
    const api = p.manifest.functions['items-api'];
    assert.equal(api?.code, 'src/api/');
    assert.equal(api?.runtime, 'nodejs20.x');
    assert.deepEqual(api?.env, { STAGE: 'test', TABLE: 'items' });
    assert.deepEqual(api?.url, {});
    assert.deepEqual(api?.routes, [
      { route: 'GET /items', payload: '1.0' },
      { route: 'PUT /items/{id}', payload: '2.0' },
    ]);
    const worker = p.manifest.functions.WorkerFunction;
    assert.equal(worker?.timeoutS, 30);
    assert.equal(worker?.memoryMb, 256);
    assert.deepEqual(worker?.env, {
      STAGE: 'test',
      TABLE: 'items',
      BUCKET: 'sam-uploads',
      QUEUE_ARN: 'arn:aws:sqs:us-east-1:000000000000:sam-jobs',
    });
    assert.deepEqual(worker?.async, { maxRetries: 0, maxEventAgeS: 120 });
    assert.deepEqual(worker?.queues, [{ queue: 'sam-jobs', batchSize: 10, reportFailures: true }]);
    assert.deepEqual(worker?.buckets, [
      { bucket: 'sam-uploads', events: ['s3:ObjectCreated:*'], prefix: 'in/' },
    ]);
    assert.deepEqual(worker?.timers, {
      'WorkerFunction-Cleanup': { schedule: 'rate(1 day)', payload: '{"purge":true}' },
    });
    assert.deepEqual(p.manifest.queues, { 'sam-jobs': { visibilityTimeoutS: 60 } });
  });

  test('layers, tracing, DynamoDB streams and tables are warned about by name', async () => {
    const p = await loadProject(fixture('sam/template.yaml'));
    const text = p.warnings.map(formatIssue).join('\n');
    for (const w of [
      /template\.yaml:13:5: Tracing: not supported/,
      /template\.yaml:25:7: Layers: not supported/,
      /event Changes \(DynamoDB\): not supported/,
      /ItemsTable \(AWS::DynamoDB::Table\)/,
      /SharedLayer \(AWS::Serverless::LayerVersion\)/,
    ]) {
      assert.match(text, w);
    }
  });
});

describe('manifest: Function Compute template.yml importer', () => {
  test('services, fc functions with initializers, HTTP/Timer/OSS triggers and a custom domain', async () => {
    const p = await loadProject(fixture('fc/template.yml'));
    assert.equal(p.kind, 'fc');
    assert.deepEqual(p.manifest.services, { shop: { description: 'FC shop service' } });
    const web = p.manifest.functions.web;
    assert.equal(web?.flavour, 'fc');
    assert.equal(web?.service, 'shop');
    assert.equal(web?.initializer, 'index.initializer');
    assert.equal(web?.initializationTimeoutS, 5);
    assert.deepEqual(web?.routes, [
      'GET /2016-08-15/proxy/shop/web',
      'GET /2016-08-15/proxy/shop/web/{proxy+}',
      'POST /2016-08-15/proxy/shop/web',
      'POST /2016-08-15/proxy/shop/web/{proxy+}',
      { route: 'ANY /web/{proxy+}', domain: 'shop.example.com' },
    ]);
    assert.deepEqual(p.manifest.functions.tick?.timers, {
      'tick-every5': { schedule: 'rate(5 minutes)', payload: 'tock' },
      'tick-morning': { schedule: '0 0 8 * * *', timezone: 'Asia/Shanghai' },
    });
    assert.deepEqual(p.manifest.functions.tick?.buckets, [
      { bucket: 'fc-photos', events: ['s3:ObjectCreated:*'], prefix: 'raw/', suffix: '.jpg' },
    ]);
    assert.deepEqual(warnings(p.warnings), [
      '9:7: LogConfig: not supported by Nimbus: ignored',
      '22:9: InstanceConcurrency: not supported by Nimbus: ignored',
      '58:11: trigger logs (Log): not supported by Nimbus (supported: HTTP, Timer, OSS): left out',
    ]);
  });

  test('FC schedules: @every and CRON_TZ', () => {
    assert.deepEqual(fcSchedule('@every 60s'), { schedule: 'rate(1 minute)' });
    assert.deepEqual(fcSchedule('@every 2h'), { schedule: 'rate(2 hours)' });
    assert.deepEqual(fcSchedule('CRON_TZ=Europe/Paris 0 30 9 * * *'), {
      schedule: '0 30 9 * * *',
      timezone: 'Europe/Paris',
    });
  });
});

test('manifest: kinds are recognised by content', () => {
  const kind = (file: string) =>
    detectKind(parseYaml(readFileSync(fixture(file), 'utf8'), file).value);
  assert.equal(kind('serverless/serverless.yml'), 'serverless');
  assert.equal(kind('sam/template.yaml'), 'sam');
  assert.equal(kind('fc/template.yml'), 'fc');
  assert.equal(detectKind({ project: 'p', functions: {} }), 'nimbus');
});
