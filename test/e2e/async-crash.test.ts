import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { startNimbusServer } from '../helpers/cli-server.js';
import { createBody, testPlatform } from '../helpers/platform.js';

async function delivered(url: string): Promise<Map<number, number>> {
  const counts = new Map<number, number>();
  let after = '0';
  for (;;) {
    const r = await fetch(`${url}/nimbus/v1/functions/counter/logs?limit=1000&after=${after}`);
    const body = (await r.json()) as { events: { message: string }[]; nextCursor: string };
    for (const e of body.events) {
      const m = /DELIVERED (\d+)/.exec(e.message);
      if (m) counts.set(Number(m[1]), (counts.get(Number(m[1])) ?? 0) + 1);
    }
    if (body.events.length === 0) return counts;
    after = body.nextCursor;
  }
}

describe('async crash safety', () => {
  const dirs: string[] = [];
  const children: ChildProcess[] = [];
  after(() => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  test('SIGKILL mid-flood: every event that got a 202 is delivered after restart (duplicates counted, zero lost)', async (t) => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'nimbus-crash-'));
    dirs.push(dataDir);
    let server = await startNimbusServer(dataDir);
    children.push(server.child);
    const created = await fetch(`${server.url}/2015-03-31/functions`, {
      method: 'POST',
      body: await createBody('counter', {
        'index.js':
          'exports.handler = async (e) => { console.log("DELIVERED " + e.n); return e.n; };',
      }),
    });
    assert.equal(created.status, 201);

    const acked = new Map<number, string>();
    const total = 400;
    let next = 0;
    let killed = false;
    const worker = async () => {
      while (next < total) {
        const n = next++;
        if (!killed && acked.size >= 150) {
          killed = true;
          server.child.kill('SIGKILL');
        }
        try {
          const r = await fetch(`${server.url}/2015-03-31/functions/counter/invocations`, {
            method: 'POST',
            headers: { 'X-Amz-Invocation-Type': 'Event' },
            body: JSON.stringify({ n }),
          });
          if (r.status === 202) acked.set(n, String(r.headers.get('x-amzn-requestid')));
        } catch {
          // the server is gone: this submission was never acknowledged
        }
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    assert.ok(killed, 'the server was killed mid-flood');
    assert.ok(acked.size >= 150);

    server = await startNimbusServer(dataDir);
    children.push(server.child);
    // Delivered = the invocation record of every acknowledged request id says succeeded.
    const until = Date.now() + 90_000;
    const pending = new Map(acked);
    while (pending.size && Date.now() < until) {
      for (const [n, id] of pending) {
        const r = await fetch(`${server.url}/nimbus/v1/invocations/${id}`);
        if (
          r.status === 200 &&
          ((await r.json()) as { invocation: { status: string } }).invocation.status === 'succeeded'
        ) {
          pending.delete(n);
        }
      }
      if (pending.size) await new Promise((r) => setTimeout(r, 250));
    }
    const counts = await delivered(server.url);
    const duplicates = [...counts.values()].filter((c) => c > 1).length;
    t.diagnostic(
      `acknowledged ${acked.size}, not delivered ${pending.size}, runs seen in logs ${counts.size}, delivered twice ${duplicates}`,
    );
    assert.deepEqual([...pending.keys()], [], 'no acknowledged event is lost');
    server.child.kill('SIGTERM');
  });

  test('an instance killed mid-invoke: the event is retried and succeeds', async () => {
    const { platform: p, close } = await testPlatform({ asyncRetryBaseMs: 200 });
    try {
      const c = await p.app.inject({
        method: 'POST',
        url: '/2015-03-31/functions',
        payload: await createBody('victim', {
          'index.js':
            'exports.handler = async () => { await new Promise((r) => setTimeout(r, 1500)); return "survived"; };',
        }),
      });
      assert.equal(c.statusCode, 201);
      const r = await p.app.inject({
        method: 'POST',
        url: '/2015-03-31/functions/victim/invocations',
        payload: '{}',
        headers: { 'X-Amz-Invocation-Type': 'Event' },
      });
      const id = String(r.headers['x-amzn-requestid']);
      // Wait for the first attempt to be running, then kill its sandbox from outside.
      let pid: number | undefined;
      for (let i = 0; i < 200 && !pid; i++) {
        await new Promise((res) => setTimeout(res, 25));
        pid = p.scheduler.instances().find((inst) => inst.state === 'busy')?.pid;
      }
      assert.ok(pid, 'the first attempt started');
      process.kill(pid, 'SIGKILL');
      let rec: { status: string; attempts: number } | undefined;
      for (let i = 0; i < 200; i++) {
        await new Promise((res) => setTimeout(res, 50));
        rec = (await p.app.inject({ method: 'GET', url: `/nimbus/v1/invocations/${id}` })).json()
          .invocation;
        if (rec?.status === 'succeeded') break;
      }
      assert.equal(rec?.status, 'succeeded');
      assert.equal(rec?.attempts, 2, 'the killed attempt was retried');
    } finally {
      await close();
    }
  });
});
