import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { detectIsolation, findUserNet } from '../../src/sandbox/index.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const RUNNER = path.join(ROOT, 'test/fixtures/network/runner.ts');

/**
 * Offline proof of `internetAccess`, in namespaces this test makes and removes:
 *
 *   [edge netns]  Nimbus platform (runner.ts) · listener on 127.0.0.1:PORT ("host-loopback")
 *        │ ve0 10.200.N.1/30                     └─ sandboxes ─ slirp4netns (host side: edge)
 *        │ veth
 *        │ vp0 10.200.N.2/30
 *   [peer netns]  listener on 10.200.N.2:PORT ("peer")
 *
 * The platform runs in the edge namespace, so the user-mode stack's host side is that
 * namespace, as it is the real host's in production. No address outside these two
 * namespaces is touched.
 */
function why(): string | false {
  if (process.getuid?.() !== 0) return 'needs root to create network namespaces';
  for (const tool of ['ip', 'nsenter']) {
    try {
      execFileSync('which', [tool], { stdio: 'ignore' });
    } catch {
      return `needs ${tool}`;
    }
  }
  if (detectIsolation('auto').kind !== 'bwrap') return 'needs bubblewrap';
  if (!findUserNet()) return 'needs slirp4netns';
  return false;
}

const skip = why();
const n = (process.pid % 250) + 1;
const EDGE = `nimbus-edge-${process.pid}`;
const PEER = `nimbus-peer-${process.pid}`;
const EDGE_ADDR = `10.200.${n}.1`;
const PEER_ADDR = `10.200.${n}.2`;
const PORT = 20_000 + (process.pid % 20_000);

const ip = (...args: string[]) => execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });

/** Runs `argv` and resolves with its stdout once it exits 0 (rejects with its output otherwise). */
function run(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stdout?.on('data', (d: Buffer) => (out += d));
    child.stderr?.on('data', (d: Buffer) => (err += d));
    child.on('exit', (code, signal) =>
      code === 0 ? resolve(out) : reject(new Error(`exit ${code ?? signal}: ${err}${out}`)),
    );
  });
}

interface Attempt {
  ok: boolean;
  banner?: string;
  error?: string;
}
type Probe = Record<
  'peer' | 'loopback' | 'ownAddress' | 'slirpHostAlias' | 'slirpDnsAlias',
  Attempt
> & { interfaces: string[] };

describe('sandbox network: internetAccess through a user-mode stack (offline, own namespaces)', () => {
  const children: ChildProcess[] = [];
  let results: {
    direct: { loopback: string; peer: string };
    on: Probe;
    off: Probe;
    coldStartMs: { on: number[]; off: number[] };
  };

  before(async () => {
    if (skip) return;
    ip('netns', 'add', EDGE);
    ip('netns', 'add', PEER);
    ip('-n', EDGE, 'link', 'set', 'lo', 'up');
    ip('-n', PEER, 'link', 'set', 'lo', 'up');
    ip('-n', EDGE, 'link', 'add', 've0', 'type', 'veth', 'peer', 'name', 'vp0', 'netns', PEER);
    ip('-n', EDGE, 'addr', 'add', `${EDGE_ADDR}/30`, 'dev', 've0');
    ip('-n', PEER, 'addr', 'add', `${PEER_ADDR}/30`, 'dev', 'vp0');
    ip('-n', EDGE, 'link', 'set', 've0', 'up');
    ip('-n', PEER, 'link', 'set', 'vp0', 'up');
    const peer = spawn(
      'nsenter',
      [
        `--net=/run/netns/${PEER}`,
        process.execPath,
        '-e',
        `require('node:net').createServer((s) => s.end('peer')).listen(${PORT}, '${PEER_ADDR}', () => console.log('listening'));`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    children.push(peer);
    await new Promise<void>((resolve, reject) => {
      peer.stdout?.once('data', () => resolve());
      peer.once('exit', (code) => reject(new Error(`the peer listener exited (${code})`)));
    });
    const runner = spawn(
      'nsenter',
      [
        `--net=/run/netns/${EDGE}`,
        process.execPath,
        '--import',
        'tsx',
        RUNNER,
        PEER_ADDR,
        EDGE_ADDR,
        String(PORT),
      ],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    children.push(runner);
    results = JSON.parse(await run(runner));
  });

  after(() => {
    for (const c of children) {
      if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    }
    if (skip) return;
    for (const ns of [EDGE, PEER]) {
      try {
        ip('netns', 'del', ns); // takes the veth pair with it
      } catch {
        // never made
      }
    }
  });

  test('the set-up works: the edge namespace reaches both listeners itself', { skip }, () => {
    assert.equal(results.direct.loopback, 'host-loopback');
    assert.equal(results.direct.peer, 'peer');
  });

  test('internetAccess on: an outbound connection to the peer succeeds', { skip }, () => {
    assert.deepEqual(results.on.peer, { ok: true, banner: 'peer' });
    assert.ok(results.on.interfaces.includes('tap0'), 'the sandbox has the user-mode tap device');
  });

  test('internetAccess off: no outbound connection succeeds (loopback only)', { skip }, () => {
    assert.deepEqual(results.off.interfaces, ['lo']);
    for (const [name, a] of Object.entries(results.off)) {
      if (name === 'interfaces' || name === 'resolvConf') continue;
      assert.equal((a as Attempt).ok, false, `${name} must fail without internet access`);
    }
    assert.equal(results.off.peer.ok, false);
  });

  test("neither reaches the host's 127.0.0.1 listener, by any address", { skip }, (t) => {
    const { resolvConf: _on, ...on } = results.on as Probe & { resolvConf?: string };
    const { resolvConf: _off, ...off } = results.off as Probe & { resolvConf?: string };
    t.diagnostic(`internet on: ${JSON.stringify(on)}`);
    t.diagnostic(`internet off: ${JSON.stringify(off)}`);
    for (const probe of [results.on, results.off]) {
      for (const name of ['loopback', 'ownAddress', 'slirpHostAlias', 'slirpDnsAlias'] as const) {
        const a = probe[name];
        assert.notEqual(a.banner, 'host-loopback', `${name} reached the host loopback`);
        assert.equal(a.ok, false, `${name}: ${JSON.stringify(a)}`);
      }
    }
  });

  test('cold start with and without internet access (reported, not asserted)', { skip }, (t) => {
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    t.diagnostic(
      `cold invoke ms: internet on ${JSON.stringify(results.coldStartMs.on)} (median ${median(results.coldStartMs.on)}), off ${JSON.stringify(results.coldStartMs.off)} (median ${median(results.coldStartMs.off)})`,
    );
    assert.equal(results.coldStartMs.on.length, results.coldStartMs.off.length);
  });
});
