import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Platform } from '../../src/server.js';
import { movableClock } from '../helpers/clock.js';
import { createBody, testPlatform } from '../helpers/platform.js';

describe('scheduler: idle instances are reaped after the TTL (injected clock)', () => {
  let p: Platform;
  let close: () => Promise<void>;
  const { clock, advance } = movableClock();
  before(async () => {
    ({ platform: p, close } = await testPlatform({ idleTtlMs: 60_000 }, { clock }));
  });
  after(async () => close());

  const invoke = () =>
    p.app.inject({
      method: 'POST',
      url: '/2015-03-31/functions/reap/invocations',
      payload: '{}',
      headers: { 'X-Amz-Log-Type': 'Tail' },
    });
  const isCold = (r: { headers: Record<string, unknown> }) =>
    /Init Duration/.test(Buffer.from(String(r.headers['x-amz-log-result']), 'base64').toString());

  async function waitFor(cond: () => boolean, maxMs = 3000): Promise<void> {
    const until = Date.now() + maxMs;
    while (!cond() && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    assert.ok(cond(), 'condition not reached in time');
  }

  test('warm within the TTL, reaped after it, cold again on the next invoke', async () => {
    const c = await p.app.inject({
      method: 'POST',
      url: '/2015-03-31/functions',
      payload: await createBody('reap', { 'index.js': 'exports.handler = async () => 1;' }),
    });
    assert.equal(c.statusCode, 201);
    assert.ok(isCold(await invoke()));
    assert.equal(p.scheduler.stats().idle, 1);
    advance(59_000);
    assert.equal(p.scheduler.reapIdle(), 0, 'not idle long enough yet');
    assert.ok(!isCold(await invoke()), 'still warm');
    advance(61_000);
    assert.equal(p.scheduler.reapIdle(), 1);
    await waitFor(() => p.scheduler.stats().instances === 0);
    assert.ok(isCold(await invoke()), 'a new instance after reaping');
  });
});
