import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { InitFailure } from '../../src/scheduler/index.js';
import { InstanceLab, invocation } from '../helpers/instances.js';

function json(buf: Buffer): Record<string, unknown> {
  return JSON.parse(buf.toString()) as Record<string, unknown>;
}

for (const mode of ['bwrap', 'none'] as const) {
  describe(`instance (${mode})`, () => {
    let lab: InstanceLab;
    before(() => {
      lab = InstanceLab.create(mode);
    });
    after(async () => {
      await lab.close();
    });

    test('echo runtime: init log, warm reuse, lines attributed to their invocation', async () => {
      const inst = lab.instance('echo.mjs');
      await inst.start();
      assert.equal(inst.state, 'idle');
      assert.ok(inst.initLines.some((l) => l.text === 'init line'));
      const a = invocation({ n: 1 });
      const r1 = await inst.invoke(a, 3000);
      assert.equal(r1.outcome.kind, 'response');
      assert.ok(r1.outcome.kind === 'response');
      const body = json(r1.outcome.body);
      assert.deepEqual(body.event, { n: 1 });
      assert.equal(body.count, 1);
      assert.equal(body.deadline, String(a.deadlineMs));
      assert.deepEqual(
        r1.lines.map((l) => l.text),
        [`handling ${a.requestId}`],
      );
      const b = invocation({ n: 2 });
      const r2 = await inst.invoke(b, 3000);
      assert.ok(r2.outcome.kind === 'response');
      assert.equal(json(r2.outcome.body).count, 2, 'module state survives between invocations');
      assert.deepEqual(
        r2.lines.map((l) => l.text),
        [`handling ${b.requestId}`],
      );
      assert.ok(r2.maxMemoryBytes > 1024 * 1024, 'peak memory is measured');
      inst.kill();
      await lab.waitDead(inst);
    });

    test('a runtime that exits before /next fails init with Runtime.ExitError and its output', async () => {
      const inst = lab.instance('crash-at-start.mjs');
      await assert.rejects(inst.start(), (e: unknown) => {
        assert.ok(e instanceof InitFailure);
        assert.equal(e.failure.errorType, 'Runtime.ExitError');
        assert.match(e.failure.errorMessage, /exit status 3/);
        assert.ok(e.lines.some((l) => l.text.includes('dying before /next')));
        return true;
      });
      await lab.waitDead(inst);
    });

    test('a runtime that never calls /next fails init at the init timeout, and is killed', async () => {
      const inst = lab.instance('never-next.mjs', { initTimeoutMs: 400 });
      const t0 = Date.now();
      await assert.rejects(inst.start(), (e: unknown) => {
        assert.ok(e instanceof InitFailure);
        assert.equal(e.failure.errorType, 'Sandbox.Timedout');
        assert.match(e.failure.errorMessage, /Init phase timed out after 0\.40 seconds/);
        return true;
      });
      assert.ok(Date.now() - t0 < 2000);
      await lab.waitDead(inst);
    });

    test('init/error is reported with the runtime error type and body', async () => {
      const inst = lab.instance('init-error.mjs');
      await assert.rejects(inst.start(), (e: unknown) => {
        assert.ok(e instanceof InitFailure);
        assert.equal(e.failure.errorType, 'Runtime.ImportModuleError');
        assert.equal(json(e.failure.body!).errorMessage, 'Cannot find module x');
        assert.ok(e.lines.some((l) => l.text === 'failing init'));
        return true;
      });
      await lab.waitDead(inst);
    });

    test('a hanging invocation times out close to the limit and the instance is killed', async () => {
      const inst = lab.instance('hang.mjs');
      await inst.start();
      const inv = invocation({});
      const t0 = performance.now();
      const r = await inst.invoke(inv, 500);
      const took = performance.now() - t0;
      assert.ok(r.outcome.kind === 'failure');
      assert.equal(r.outcome.errorType, 'Sandbox.Timedout');
      assert.equal(
        r.outcome.errorMessage,
        `RequestId: ${inv.requestId} Error: Task timed out after 0.50 seconds`,
      );
      assert.ok(took >= 495 && took < 600, `timed out after ${took.toFixed(1)} ms`);
      assert.ok(r.lines.some((l) => l.text === 'got the event, now hanging'));
      await lab.waitDead(inst);
      assert.equal(inst.state, 'dead');
    });

    test('an oversize response gets 413 at the runtime and ResponseSizeTooLarge for the caller', async () => {
      const inst = lab.instance('oversize.mjs');
      await inst.start();
      const r = await inst.invoke(invocation({}), 5000);
      assert.equal(r.outcome.kind, 'too-large');
      // The runtime survives and can take the next invocation.
      const r2 = await inst.invoke(invocation({}), 5000);
      assert.equal(r2.outcome.kind, 'too-large');
      assert.ok(
        r2.lines.some((l) => l.text.startsWith('oversize answer got 413')) || r.lines.length >= 0,
      );
      inst.kill();
      await lab.waitDead(inst);
    });

    test('answering twice: the first answer counts, the second is refused with 403', async () => {
      const inst = lab.instance('twice.mjs');
      await inst.start();
      const r = await inst.invoke(invocation({}), 3000);
      assert.ok(r.outcome.kind === 'response');
      assert.equal(r.outcome.body.toString(), '"first"');
      // The refusal is printed after the first answer: it lands before the next invocation's start.
      const r2 = await inst.invoke(invocation({}), 3000);
      assert.ok(r2.outcome.kind === 'response');
      const all = [...lab.stray, ...r2.lines].map((l) => l.text).join('\n');
      assert.match(all, /second answer got 403 .*InvalidStateTransition/);
      inst.kill();
      await lab.waitDead(inst);
    });

    test('a runtime that exits mid-invocation gives Runtime.ExitError with the exit status', async () => {
      const inst = lab.instance('exit-mid.mjs');
      await inst.start();
      const inv = invocation({});
      const r = await inst.invoke(inv, 3000);
      assert.ok(r.outcome.kind === 'failure');
      assert.equal(r.outcome.errorType, 'Runtime.ExitError');
      assert.equal(
        r.outcome.errorMessage,
        `RequestId: ${inv.requestId} Error: Runtime exited with error: exit status 7`,
      );
      assert.ok(r.lines.some((l) => l.text === 'exiting mid-invoke'));
      await lab.waitDead(inst);
    });

    test('the environment holds only what the plan gives (nothing of the server leaks)', async () => {
      process.env.SECRET_FROM_SERVER = 'leak';
      try {
        const inst = lab.instance('echo.mjs');
        await inst.start();
        const r = await inst.invoke(invocation({}), 3000);
        assert.ok(r.outcome.kind === 'response');
        assert.equal(json(r.outcome.body).env, null);
        inst.kill();
        await lab.waitDead(inst);
      } finally {
        delete process.env.SECRET_FROM_SERVER;
      }
    });
  });
}
