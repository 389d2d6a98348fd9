import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { InitFailure, type Instance } from '../../src/scheduler/index.js';
import { InstanceLab, invocation } from '../helpers/instances.js';

/** Layer trees (as /opt) holding one extension each; see the scripts for what they do. */
const OPT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/extensions');
const opt = (name: string) => path.join(OPT, name);

for (const mode of ['bwrap', 'none'] as const) {
  describe(`instance extensions (${mode})`, () => {
    let lab: InstanceLab;
    before(() => {
      lab = InstanceLab.create(mode);
    });
    after(async () => {
      await lab.close();
    });

    /** Every line the instance printed so far, invocation or not. */
    const printed = (extra: { text: string }[] = []) =>
      [...extra, ...lab.stray].map((l) => l.text).join('\n');

    async function waitPrinted(inst: Instance, re: RegExp, extra: { text: string }[] = []) {
      await lab.waitDead(inst);
      assert.match(printed(extra), re);
    }

    test('an INVOKE reaches the extension; a timeout sends it SHUTDOWN (timeout) before the kill', async () => {
      const inst = lab.instance('hang.mjs', { optDir: opt('recorder') });
      await inst.start();
      const inv = invocation({ n: 1 });
      const r = await inst.invoke(inv, 600);
      assert.ok(r.outcome.kind === 'failure');
      assert.equal(r.outcome.errorType, 'Sandbox.Timedout');
      await waitPrinted(inst, /"eventType":"SHUTDOWN".*"shutdownReason":"timeout"/, r.lines);
      assert.match(
        printed(r.lines),
        new RegExp(`"eventType":"INVOKE".*"requestId":"${inv.requestId}"`),
      );
    });

    test('a runtime that crashes mid-invoke: Runtime.ExitError, and the extension gets SHUTDOWN (failure)', async () => {
      const inst = lab.instance('exit-mid.mjs', { optDir: opt('recorder') });
      await inst.start();
      const r = await inst.invoke(invocation({}), 3000);
      assert.ok(r.outcome.kind === 'failure');
      assert.equal(r.outcome.errorType, 'Runtime.ExitError');
      assert.match(r.outcome.errorMessage, /exit status 7/);
      await waitPrinted(inst, /"eventType":"SHUTDOWN".*"shutdownReason":"failure"/, r.lines);
    });

    test('an extension that exits before registering fails init with Extension.Crash', async () => {
      const inst = lab.instance('echo.mjs', { optDir: opt('crasher') });
      await assert.rejects(inst.start(), (e: unknown) => {
        assert.ok(e instanceof InitFailure);
        assert.equal(e.failure.errorType, 'Extension.Crash');
        assert.match(e.failure.errorMessage, /crasher exited with status 4/);
        assert.ok(e.lines.some((l) => l.text === '[crasher] giving up'));
        return true;
      });
      await lab.waitDead(inst);
    });

    test("an extension's init/error fails init with Extension.InitError and its message", async () => {
      const inst = lab.instance('echo.mjs', { optDir: opt('failer') });
      await assert.rejects(inst.start(), (e: unknown) => {
        assert.ok(e instanceof InitFailure);
        assert.equal(e.failure.errorType, 'Extension.InitError');
        assert.match(
          e.failure.errorMessage,
          /failer reported Extension\.ConfigInvalid: no API key/,
        );
        return true;
      });
      await lab.waitDead(inst);
    });

    test('an extension that never registers: init times out and says which', async () => {
      const inst = lab.instance('echo.mjs', { optDir: opt('silent'), initTimeoutMs: 700 });
      await assert.rejects(inst.start(), (e: unknown) => {
        assert.ok(e instanceof InitFailure);
        assert.equal(e.failure.errorType, 'Sandbox.Timedout');
        assert.match(e.failure.errorMessage, /waiting for extensions: silent \(not registered\)/);
        return true;
      });
      await lab.waitDead(inst);
    });
  });
}
