import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { InstanceLab, invocation } from '../helpers/instances.js';

// These tests try to break out of the bubblewrap sandbox, so they need it: on a
// host without working bubblewrap they fail rather than pass vacuously.
describe('sandbox (bwrap): function code cannot reach what it must not', () => {
  let lab: InstanceLab;
  let secretDir: string;
  let server: net.Server;
  let port = 0;
  before(async () => {
    lab = InstanceLab.create('bwrap');
    secretDir = mkdtempSync(path.join(tmpdir(), 'nimbus-secret-'));
    writeFileSync(path.join(secretDir, 'nimbus.db'), 'secret');
    server = net.createServer((s) => s.end('host service'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as net.AddressInfo).port;
  });
  after(async () => {
    server.close();
    await lab.close();
    rmSync(secretDir, { recursive: true, force: true });
  });

  test('no host files, processes, loopback, root user or writable code', async () => {
    const inst = lab.instance('probe.mjs');
    await inst.start();
    const r = await inst.invoke(invocation({ dataDir: secretDir, port }), 5000);
    assert.ok(r.outcome.kind === 'response');
    const rep = JSON.parse(r.outcome.body.toString()) as Record<string, unknown>;
    assert.notEqual(rep.uid, 0, 'code does not run as root');
    assert.ok((rep.procs as number) <= 3, `sees only its own processes (saw ${rep.procs})`);
    assert.equal(rep.dataDir, 'ENOENT', 'the data dir is not visible');
    assert.ok(
      ['EROFS', 'EACCES'].includes(rep.writeTask as string),
      `code is read-only (${rep.writeTask})`,
    );
    assert.equal(rep.writeTmp, 'written', '/tmp is writable');
    assert.notEqual(rep.connectHost, 'connected', 'the host loopback is unreachable');
    assert.ok(!(rep.root as string[]).includes('root') && !(rep.root as string[]).includes('home'));
    inst.kill();
    await lab.waitDead(inst);
  });

  test('memory cap: allocating past the memory size kills the instance with an out-of-memory error', async (t) => {
    if (!lab.isolation.cgroup) {
      t.skip(
        'no writable cgroup on this host: memory caps are not enforced (the server warns at start)',
      );
      return;
    }
    const inst = lab.instance('alloc.mjs', { memoryMb: 128 });
    await inst.start();
    const small = await inst.invoke(invocation({ mb: 10 }), 10_000);
    assert.equal(small.outcome.kind, 'response');
    const big = await inst.invoke(invocation({ mb: 400 }), 10_000);
    assert.ok(big.outcome.kind === 'failure');
    assert.equal(big.outcome.errorType, 'Runtime.OutOfMemory');
    assert.match(big.outcome.errorMessage, /out of memory/);
    assert.ok(
      big.maxMemoryBytes >= 100 * 1024 * 1024,
      `peak ${big.maxMemoryBytes} is near the cap`,
    );
    await lab.waitDead(inst);
  });
});
