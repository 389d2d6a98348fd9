import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  rmdirSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { removeStale } from './stale.js';

/** One instance's control group: memory cap, pids cap, peak memory, OOM detection. */
export interface InstanceCgroup {
  /** Files the launcher writes the instance's pid into before exec. */
  readonly procsFiles: string[];
  /** Highest memory use seen, in bytes. */
  peakBytes(): number;
  /** Memory in use now, in bytes. */
  usageBytes(): number;
  /**
   * Changes the memory cap (a prewarmed sandbox gets its function's at assignment).
   * Throws when the group uses more than the new cap and cannot be brought under it.
   */
  setMemoryLimit(bytes: number): void;
  /** True once the kernel's OOM killer acted in this group. */
  oomKilled(): boolean;
  /** SIGKILLs every process left in the group. */
  killAll(): void;
  /** Removes the group (after its processes are gone); never throws. */
  remove(): void;
}

export interface CgroupDriver {
  readonly version: 'v1' | 'v2';
  create(instanceId: string, limits: { memoryBytes: number; pidsMax: number }): InstanceCgroup;
  /** Removes the driver's parent groups on shutdown. */
  dispose(): void;
}

const ROOT = '/sys/fs/cgroup';

function readNumber(file: string): number {
  try {
    const n = Number(readFileSync(file, 'utf8').trim());
    return Number.isFinite(n) ? n : 0;
  } catch {
    return 0;
  }
}

/**
 * A cgroup counter read on every invocation: the file stays open and is
 * re-read from offset 0 (one pread instead of open + read + close).
 */
function counter(file: string): { read(): number; close(): void } {
  let fd: number | null = null;
  const buf = Buffer.alloc(32);
  return {
    read() {
      try {
        fd ??= openSync(file, 'r');
        const n = readSync(fd, buf, 0, buf.length, 0);
        const v = Number(buf.toString('latin1', 0, n).trim());
        return Number.isFinite(v) ? v : 0;
      } catch {
        return readNumber(file);
      }
    },
    close() {
      if (fd !== null) closeSync(fd);
      fd = null;
    },
  };
}

function readKey(file: string, key: string): number {
  try {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      const [k, v] = line.split(' ');
      if (k === key) return Number(v) || 0;
    }
  } catch {
    // the group is gone: nothing to read
  }
  return 0;
}

function killPids(procsFile: string): void {
  let text = '';
  try {
    text = readFileSync(procsFile, 'utf8');
  } catch {
    return;
  }
  for (const line of text.split('\n')) {
    const pid = Number(line);
    if (pid > 0) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}

function tryRmdir(dir: string): void {
  for (let i = 0; i < 3; i++) {
    try {
      rmdirSync(dir);
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    }
  }
}

/** cgroup v1: separate memory and pids hierarchies. */
class V1Driver implements CgroupDriver {
  readonly version = 'v1';
  constructor(
    private readonly memParent: string,
    private readonly pidsParent: string | null,
  ) {}

  create(instanceId: string, limits: { memoryBytes: number; pidsMax: number }): InstanceCgroup {
    const mem = path.join(this.memParent, instanceId);
    mkdirSync(mem);
    const limitFile = path.join(mem, 'memory.limit_in_bytes');
    writeFileSync(limitFile, String(limits.memoryBytes));
    // Without swap accounting this file is absent; with it, swap must not extend the cap.
    const memsw = path.join(mem, 'memory.memsw.limit_in_bytes');
    if (existsSync(memsw)) writeFileSync(memsw, String(limits.memoryBytes));
    const procsFiles = [path.join(mem, 'cgroup.procs')];
    let pids: string | null = null;
    if (this.pidsParent) {
      pids = path.join(this.pidsParent, instanceId);
      mkdirSync(pids);
      writeFileSync(path.join(pids, 'pids.max'), String(limits.pidsMax));
      procsFiles.push(path.join(pids, 'cgroup.procs'));
    }
    const peak = counter(path.join(mem, 'memory.max_usage_in_bytes'));
    let limitBytes = limits.memoryBytes;
    return {
      procsFiles,
      peakBytes: () => peak.read(),
      usageBytes: () => readNumber(path.join(mem, 'memory.usage_in_bytes')),
      setMemoryLimit: (bytes) => {
        // memory.limit_in_bytes may never exceed memory.memsw.limit_in_bytes: raise memsw first.
        const order = bytes > limitBytes ? [memsw, limitFile] : [limitFile, memsw];
        for (const f of order)
          if (f !== memsw || existsSync(memsw)) writeFileSync(f, String(bytes));
        limitBytes = bytes;
        // The high-water mark from before belongs to no invocation of the function.
        writeFileSync(path.join(mem, 'memory.max_usage_in_bytes'), '0');
      },
      oomKilled: () => readKey(path.join(mem, 'memory.oom_control'), 'oom_kill') > 0,
      killAll: () => killPids(path.join(mem, 'cgroup.procs')),
      remove: () => {
        peak.close();
        tryRmdir(mem);
        if (pids) tryRmdir(pids);
      },
    };
  }

  dispose(): void {
    tryRmdir(this.memParent);
    if (this.pidsParent) tryRmdir(this.pidsParent);
  }
}

/** cgroup v2: one unified hierarchy; memory.peak needs Linux 5.19+. */
class V2Driver implements CgroupDriver {
  readonly version = 'v2';
  constructor(private readonly parent: string) {}

  create(instanceId: string, limits: { memoryBytes: number; pidsMax: number }): InstanceCgroup {
    const dir = path.join(this.parent, instanceId);
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'memory.max'), String(limits.memoryBytes));
    if (existsSync(path.join(dir, 'memory.swap.max'))) {
      writeFileSync(path.join(dir, 'memory.swap.max'), '0');
    }
    if (existsSync(path.join(dir, 'pids.max'))) {
      writeFileSync(path.join(dir, 'pids.max'), String(limits.pidsMax));
    }
    const peak = counter(path.join(dir, 'memory.peak'));
    return {
      procsFiles: [path.join(dir, 'cgroup.procs')],
      peakBytes: () => peak.read(),
      usageBytes: () => readNumber(path.join(dir, 'memory.current')),
      setMemoryLimit: (bytes) => {
        writeFileSync(path.join(dir, 'memory.max'), String(bytes));
        // Linux 6.12+ lets the peak be reset; before, it keeps the pool phase's.
        try {
          writeFileSync(path.join(dir, 'memory.peak'), 'reset');
        } catch {
          // older kernel
        }
      },
      oomKilled: () => readKey(path.join(dir, 'memory.events'), 'oom_kill') > 0,
      killAll: () => {
        try {
          writeFileSync(path.join(dir, 'cgroup.kill'), '1');
        } catch {
          killPids(path.join(dir, 'cgroup.procs'));
        }
      },
      remove: () => {
        peak.close();
        tryRmdir(dir);
      },
    };
  }

  dispose(): void {
    tryRmdir(this.parent);
  }
}

function ownV1Path(controller: string): string {
  try {
    for (const line of readFileSync('/proc/self/cgroup', 'utf8').split('\n')) {
      const [, ctrls, p] = line.split(':');
      if (ctrls?.split(',').includes(controller) && p) return p;
    }
  } catch {
    // not Linux, or no /proc
  }
  return '/';
}

function ownV2Path(): string {
  try {
    const line = readFileSync('/proc/self/cgroup', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('0::'));
    if (line) return line.slice(3);
  } catch {
    // no /proc
  }
  return '/';
}

/**
 * Finds a cgroup hierarchy this process may create children in and returns a
 * driver rooted at a fresh parent group (`nimbus-<pid>`), or the reason why not.
 */
export function detectCgroup(): { driver: CgroupDriver | null; reason: string } {
  const name = `nimbus-${process.pid}`;
  // v2: a child of our own group needs the controllers delegated to us; the root always has them.
  if (existsSync(path.join(ROOT, 'cgroup.controllers'))) {
    for (const base of [path.join(ROOT, ownV2Path(), '..'), ROOT]) {
      const parent = path.join(base, name);
      removeStale(base, 'nimbus-', 'cgroup');
      try {
        mkdirSync(parent, { recursive: true });
        writeFileSync(path.join(parent, 'cgroup.subtree_control'), '+memory +pids');
        return { driver: new V2Driver(parent), reason: `cgroup v2 at ${parent}` };
      } catch {
        tryRmdir(parent);
      }
    }
    return {
      driver: null,
      reason: 'cgroup v2 is mounted but no group with memory control is writable',
    };
  }
  const memRoot = path.join(ROOT, 'memory');
  if (!existsSync(path.join(memRoot, 'memory.limit_in_bytes'))) {
    return { driver: null, reason: 'no cgroup memory controller is mounted' };
  }
  for (const base of [path.join(memRoot, ownV1Path('memory')), memRoot]) {
    const memParent = path.join(base, name);
    removeStale(base, 'nimbus-', 'cgroup');
    removeStale(path.join(ROOT, 'pids', ownV1Path('pids')), 'nimbus-', 'cgroup');
    try {
      mkdirSync(memParent, { recursive: true });
      // Children of a v1 group inherit use_hierarchy; limits below are per instance.
      let pidsParent: string | null = path.join(ROOT, 'pids', ownV1Path('pids'), name);
      try {
        mkdirSync(pidsParent, { recursive: true });
      } catch {
        pidsParent = null;
      }
      return { driver: new V1Driver(memParent, pidsParent), reason: `cgroup v1 at ${memParent}` };
    } catch {
      tryRmdir(memParent);
    }
  }
  return { driver: null, reason: 'the cgroup v1 memory hierarchy is not writable' };
}
