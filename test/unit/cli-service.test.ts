import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type CannedAnswer, type RecordedRequest, runCli, startFakeServer } from './cli-harness.js';

const SHOP = {
  name: 'shop',
  description: 'the shop',
  internetAccess: true,
  logRetentionDays: 14,
  env: { STAGE: 'prod', ZONE: 'a' },
  createdAtMs: 1,
  updatedAtMs: 1,
  functions: ['cart'],
};

async function fake(
  t: { after(fn: () => Promise<void>): void },
  handler: (req: RecordedRequest) => CannedAnswer,
) {
  const server = await startFakeServer(handler);
  t.after(() => server.close());
  return server;
}

const body = (r: RecordedRequest | undefined) => {
  assert.ok(r, 'request was sent');
  return JSON.parse(r.body.toString('utf8')) as Record<string, unknown>;
};

describe('cli service', () => {
  test('service create: sends the settings, prints the service', async (t) => {
    const server = await fake(t, () => ({ status: 201, body: { ...SHOP, functions: [] } }));
    const r = await runCli(
      [
        'service',
        'create',
        'shop',
        '--description',
        'the shop',
        '--internet',
        '--log-retention',
        '14',
        '--env',
        'STAGE=prod',
        '--env',
        'ZONE=a',
      ],
      { endpoint: server.url },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.equal(server.requests[0]?.method, 'POST');
    assert.equal(server.requests[0]?.url, '/nimbus/v1/services');
    assert.deepEqual(body(server.requests[0]), {
      name: 'shop',
      description: 'the shop',
      internetAccess: true,
      logRetentionDays: 14,
      env: { STAGE: 'prod', ZONE: 'a' },
    });
    assert.match(r.stdout, /internet access\s+on/);
    assert.match(r.stdout, /log retention\s+14 days/);
    assert.match(r.stdout, /env\s+STAGE, ZONE/);
  });

  test('service update: only the flags given; --no-internet and --log-retention default', async (t) => {
    const server = await fake(t, () => ({ body: SHOP }));
    const r = await runCli(
      ['service', 'update', 'shop', '--no-internet', '--log-retention', 'default'],
      { endpoint: server.url },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.equal(server.requests[0]?.method, 'PUT');
    assert.equal(server.requests[0]?.url, '/nimbus/v1/services/shop');
    assert.deepEqual(body(server.requests[0]), { internetAccess: false, logRetentionDays: null });
    const none = await runCli(['service', 'update', 'shop'], { endpoint: server.url });
    assert.equal(none.code, 1);
    assert.match(none.stderr, /nothing to change/);
  });

  test('service ls and info print tables; rm of a busy service prints the conflict', async (t) => {
    const server = await fake(t, (req) => {
      if (req.method === 'DELETE') {
        return {
          status: 409,
          body: {
            error: {
              code: 'Conflict',
              message:
                'Service shop still has 1 function (cart): delete them or deploy them to another service first',
            },
          },
        };
      }
      if (req.url === '/nimbus/v1/services') return { body: { services: [SHOP] } };
      return { body: SHOP };
    });
    const ls = await runCli(['service', 'ls'], { endpoint: server.url });
    assert.equal(ls.code, 0, ls.stderr);
    assert.match(ls.stdout, /NAME\s+INTERNET\s+LOG RETENTION\s+FUNCTIONS/);
    assert.match(ls.stdout, /shop\s+on\s+14 d\s+1\s+the shop/);
    const info = await runCli(['service', 'info', 'shop'], { endpoint: server.url });
    assert.equal(info.code, 0, info.stderr);
    assert.match(info.stdout, /functions\s+cart/);
    const rm = await runCli(['service', 'rm', 'shop'], { endpoint: server.url });
    assert.equal(rm.code, 1);
    assert.match(rm.stderr, /still has 1 function \(cart\)/);
    const bad = await runCli(['service', 'create', '9lives'], { endpoint: server.url });
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /invalid service name/);
  });

  test('deploy --service sends the service', async (t) => {
    const server = await fake(t, () => ({
      status: 201,
      body: {
        created: true,
        function: {
          FunctionName: 'cart',
          Runtime: 'nodejs20.x',
          Handler: 'index.handler',
          MemorySize: 128,
          Timeout: 3,
          CodeSha256: 'x',
        },
      },
    }));
    const r = await runCli(
      [
        'deploy',
        'test/fixtures/node-bootstrap',
        '--name',
        'cart',
        '--runtime',
        'nodejs20.x',
        '--handler',
        'index.handler',
        '--service',
        'shop',
      ],
      { endpoint: server.url },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.equal(body(server.requests.at(-1)).service, 'shop');
  });
});
