import { spawn } from 'node:child_process';
import {
  copyFileSync,
  linkSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { Mounter } from './mounter.js';

/**
 * How code reaches a prewarmed sandbox: `mount` (a read-only bind mount that propagates
 * into the running sandbox, constant time) or `link` (hard links of every file into the
 * slot folder, which the sandbox already sees; copies across file systems).
 */
export type PlacementMode = 'mount' | 'link';

/**
 * The host folders of prewarmed sandboxes: each gets a slot whose `task` and `opt`
 * folders are bound (empty, read-only) at /var/task and /opt when the sandbox starts,
 * and receive a function's code and layers when it is assigned one. A slot is used
 * once: it never holds a second function's code.
 */
export class SlotArea {
  private readonly slotsDir: string;
  private readonly stageDir: string;
  private mounter: Mounter | null = null;
  /**
   * Unmounts go through a helper of their own: an unmount waits for an RCU grace period
   * (up to tens of milliseconds), which must not hold up the next cold start's mount.
   */
  private unmounter: Mounter | null = null;
  private modeValue: PlacementMode = 'link';
  private readonly pending = new Set<Promise<void>>();
  private ready: Promise<PlacementMode> | null = null;

  /** `dir`: a folder of the server's own (its run dir). */
  constructor(dir: string) {
    this.slotsDir = path.join(dir, 'slots');
    this.stageDir = path.join(dir, 'stage');
  }

  get mode(): PlacementMode {
    return this.modeValue;
  }

  /**
   * Decides the placement mode once: `mount` when the mount helper works and a test
   * sandbox (bubblewrap at `bwrapPath`) really sees a mount made after it started.
   */
  init(bwrapPath: string): Promise<PlacementMode> {
    this.ready ??= this.decide(bwrapPath);
    return this.ready;
  }

  private async decide(bwrapPath: string): Promise<PlacementMode> {
    mkdirSync(this.slotsDir, { recursive: true, mode: 0o755 });
    if (!Mounter.usable()) return this.modeValue;
    const mounter = new Mounter();
    try {
      await mounter.share(this.slotsDir);
      mkdirSync(this.stageDir, { recursive: true, mode: 0o700 });
      await mounter.makePrivate(this.stageDir);
      this.mounter = mounter;
      const probe = this.slot('selftest');
      try {
        if (
          await propagates(bwrapPath, probe, (src, dst) =>
            mounter.bindReadOnly(src, dst, this.stageDir),
          )
        )
          this.modeValue = 'mount';
      } finally {
        await mounter.unmount(probe.taskDir).catch(() => undefined);
        rmSync(probe.dir, { recursive: true, force: true });
      }
    } catch {
      // no mounts on this host: links it is
    }
    if (this.modeValue !== 'mount') await this.dropMounts(mounter);
    return this.modeValue;
  }

  /** A new, empty slot. */
  slot(id: string): CodeSlot {
    return new CodeSlot(this, path.join(this.slotsDir, id));
  }

  /** @internal Places a read-only copy of `src` at `dst` in the area's mode. */
  async place(src: string, dst: string): Promise<void> {
    if (this.modeValue === 'mount' && this.mounter) {
      await this.mounter.bindReadOnly(src, dst, this.stageDir);
    } else {
      linkTree(src, dst);
    }
  }

  /** @internal Runs a slot's removal, remembered so `close` can wait for it. */
  track(p: Promise<void>): void {
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }

  /** @internal */
  unmount(dir: string): Promise<void> {
    if (!this.mounter) return Promise.resolve();
    this.unmounter ??= new Mounter();
    return this.unmounter.unmount(dir);
  }

  /** Waits for slot removals, then undoes the area's own mounts. */
  async close(): Promise<void> {
    await this.ready?.catch(() => undefined);
    await Promise.allSettled([...this.pending]);
    if (this.mounter) await this.dropMounts(this.mounter);
    this.mounter = null;
    this.unmounter?.close();
    this.unmounter = null;
  }

  private async dropMounts(mounter: Mounter): Promise<void> {
    await mounter.unmount(this.slotsDir).catch(() => undefined);
    await mounter.unmount(this.stageDir).catch(() => undefined);
    mounter.close();
  }
}

/** One prewarmed sandbox's code folders (host side). */
export class CodeSlot {
  readonly taskDir: string;
  readonly optDir: string;
  private readonly placed: string[] = [];

  constructor(
    private readonly area: SlotArea,
    readonly dir: string,
  ) {
    this.taskDir = path.join(dir, 'task');
    this.optDir = path.join(dir, 'opt');
    mkdirSync(this.taskDir, { recursive: true, mode: 0o755 });
    mkdirSync(this.optDir, { mode: 0o755 });
  }

  /** Makes `codeDir` appear at /var/task and `optDir` (if any) at /opt of the sandbox. */
  async place(codeDir: string, optDir: string | null): Promise<void> {
    await this.area.place(codeDir, this.taskDir);
    this.placed.push(this.taskDir);
    if (optDir) {
      await this.area.place(optDir, this.optDir);
      this.placed.push(this.optDir);
    }
  }

  /** Unmounts (or unlinks) what was placed and removes the folders; never throws. */
  release(): void {
    const done = (async () => {
      if (this.area.mode === 'mount') {
        for (const dir of this.placed) await this.area.unmount(dir).catch(() => undefined);
      }
      try {
        rmSync(this.dir, { recursive: true, force: true });
      } catch {
        // a mount that would not go: left for the next start's stale cleanup
      }
    })();
    this.area.track(done);
  }
}

/**
 * Recreates the tree `src` at `dst` with hard links to its files (copies when `dst` is
 * on another file system), directories with their modes, symbolic links as they are.
 */
export function linkTree(src: string, dst: string): void {
  for (const entry of readdirSync(src, { withFileTypes: true })) {
    const from = path.join(src, entry.name);
    const to = path.join(dst, entry.name);
    if (entry.isDirectory()) {
      mkdirSync(to, { mode: lstatSync(from).mode & 0o7777 });
      linkTree(from, to);
    } else if (entry.isSymbolicLink()) {
      symlinkSync(readlinkSync(from), to);
    } else {
      try {
        linkSyncOrCopy(from, to);
      } catch (e) {
        throw new Error(`could not place ${from}: ${(e as Error).message}`);
      }
    }
  }
}

let crossDevice = false;

function linkSyncOrCopy(from: string, to: string): void {
  if (!crossDevice) {
    try {
      linkSync(from, to);
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EXDEV') throw e;
      crossDevice = true;
    }
  }
  copyFileSync(from, to);
}

/**
 * Whether a mount made under the slots folder after a sandbox started shows inside it:
 * starts a minimal sandbox that waits, mounts a folder holding one file, and asks.
 */
async function propagates(
  bwrapPath: string,
  slot: CodeSlot,
  bind: (src: string, dst: string) => Promise<void>,
): Promise<boolean> {
  const probe = path.join(slot.dir, 'probe');
  mkdirSync(probe);
  writeFileSync(path.join(probe, 'seen'), '');
  const child = spawn(
    bwrapPath,
    [
      '--unshare-all',
      '--die-with-parent',
      '--ro-bind',
      '/',
      '/',
      '--ro-bind',
      slot.taskDir,
      '/mnt',
      '--',
      '/bin/sh',
      '-c',
      'echo started; read -r _; ls /mnt',
    ],
    { stdio: ['pipe', 'pipe', 'ignore'], env: {} },
  );
  let out = '';
  let asked = false;
  return new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve(false);
    }, 10_000);
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
      if (!asked && out.startsWith('started\n')) {
        asked = true;
        bind(probe, slot.taskDir).then(
          () => child.stdin?.end('go\n'),
          () => child.kill('SIGKILL'),
        );
      }
    });
    child.on('error', () => resolve(false));
    child.on('exit', () => {
      clearTimeout(timer);
      resolve(out.includes('seen'));
    });
  });
}
