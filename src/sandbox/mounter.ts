import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

/**
 * Mounts for prewarmed sandboxes, made by a small persistent helper (the host's python3,
 * through ctypes: Node has no mount(2)) so that each costs a pipe round trip instead of
 * a process start. Only root may use it. Requests are JSON lines; so are the answers.
 *
 * - `share DIR`: DIR becomes a bind mount of itself with shared propagation. Sandboxes
 *   started later that bind a folder under DIR get a slave copy (bubblewrap makes its
 *   mount namespace `rslave`), so what is mounted there afterwards appears inside them.
 * - `private DIR`: the same with private propagation (the staging folder of old kernels).
 * - `bind-ro SRC DST STAGE`: a read-only, nosuid, nodev copy of SRC at DST. The copy is
 *   made read-only before it is attached (open_tree + mount_setattr + move_mount), so the
 *   copies that propagate into sandboxes are read-only too; a plain `mount --bind -o ro`
 *   would propagate a writable one. Kernels without mount_setattr (before 5.12) bind
 *   through the private STAGE folder instead.
 * - `unmount DIR`: a lazy unmount.
 */
const HELPER = String.raw`
import ctypes, json, os, sys
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_void_p]
libc.umount2.argtypes = [ctypes.c_char_p, ctypes.c_int]
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_REMOUNT, MS_BIND, MS_REC = 1, 2, 4, 32, 4096, 16384
MS_PRIVATE, MS_SHARED, MNT_DETACH, AT_FDCWD, AT_EMPTY_PATH = 1 << 18, 1 << 20, 2, -100, 0x1000
OPEN_TREE_CLONE, OPEN_TREE_CLOEXEC, MOVE_MOUNT_F_EMPTY_PATH = 1, 0o2000000, 4
ATTR_RO_NOSUID_NODEV = 1 | 2 | 4
SYS_open_tree, SYS_move_mount, SYS_mount_setattr = 428, 429, 442

class Attr(ctypes.Structure):
    _fields_ = [("set", ctypes.c_uint64), ("clr", ctypes.c_uint64), ("prop", ctypes.c_uint64), ("userns", ctypes.c_uint64)]

def check(r):
    if r < 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))
    return r

def mount(src, dst, flags):
    check(libc.mount(src and src.encode(), dst.encode(), None, flags, None))

def bind_ro(src, dst, stage):
    try:
        fd = check(libc.syscall(SYS_open_tree, AT_FDCWD, src.encode(), OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC))
        try:
            a = Attr(ATTR_RO_NOSUID_NODEV, 0, 0, 0)
            check(libc.syscall(SYS_mount_setattr, fd, b"", AT_EMPTY_PATH, ctypes.byref(a), ctypes.sizeof(a)))
            check(libc.syscall(SYS_move_mount, fd, b"", AT_FDCWD, dst.encode(), MOVE_MOUNT_F_EMPTY_PATH))
            return
        finally:
            os.close(fd)
    except OSError as e:
        if e.errno != 38:
            raise
    mount(src, stage, MS_BIND)
    try:
        mount(None, stage, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV)
        mount(stage, dst, MS_BIND)
    finally:
        libc.umount2(stage.encode(), MNT_DETACH)

for line in sys.stdin:
    req = json.loads(line)
    try:
        op = req["op"]
        if op in ("share", "private"):
            mount(req["dir"], req["dir"], MS_BIND | MS_REC)
            mount(None, req["dir"], MS_SHARED if op == "share" else MS_PRIVATE)
        elif op == "bind-ro":
            bind_ro(req["src"], req["dst"], req["stage"])
        elif op == "unmount":
            check(libc.umount2(req["dir"].encode(), MNT_DETACH))
        out = {"id": req["id"]}
    except OSError as e:
        out = {"id": req["id"], "error": "%s (errno %s)" % (e.strerror, e.errno)}
    sys.stdout.write(json.dumps(out) + "\n")
    sys.stdout.flush()
`;

const PYTHON = '/usr/bin/python3';

type Request =
  | { op: 'share' | 'private' | 'unmount'; dir: string }
  | { op: 'bind-ro'; src: string; dst: string; stage: string };

/** The mount helper process; one per server, started on first use. */
export class Mounter {
  private child: ChildProcess | null = null;
  private seq = 0;
  private readonly waiting = new Map<number, { resolve(): void; reject(e: Error): void }>();

  /** Whether this host can run the helper at all (root, and the host's python3). */
  static usable(): boolean {
    if (process.getuid?.() !== 0) return false;
    try {
      readFileSync(PYTHON);
      return true;
    } catch {
      return false;
    }
  }

  private start(): ChildProcess {
    const child = spawn(PYTHON, ['-I', '-S', '-c', HELPER], {
      stdio: ['pipe', 'pipe', 'ignore'],
      env: {},
    });
    child.on('error', () => this.fail(new Error('the mount helper could not start')));
    child.on('exit', () => {
      this.child = null;
      this.fail(new Error('the mount helper exited'));
    });
    child.stdin?.on('error', () => undefined);
    createInterface({ input: child.stdout as NonNullable<typeof child.stdout> }).on(
      'line',
      (line) => {
        let answer: { id?: number; error?: string };
        try {
          answer = JSON.parse(line) as { id?: number; error?: string };
        } catch {
          return;
        }
        const w = answer.id === undefined ? undefined : this.waiting.get(answer.id);
        if (!w || answer.id === undefined) return;
        this.waiting.delete(answer.id);
        if (answer.error) w.reject(new Error(answer.error));
        else w.resolve();
      },
    );
    // The helper must not keep the server alive on its own.
    child.unref();
    (child.stdout as unknown as { unref?(): void } | null)?.unref?.();
    return child;
  }

  private fail(e: Error): void {
    for (const w of this.waiting.values()) w.reject(e);
    this.waiting.clear();
  }

  private send(req: Request): Promise<void> {
    this.child ??= this.start();
    const id = ++this.seq;
    return new Promise<void>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.child?.stdin?.write(`${JSON.stringify({ ...req, id })}\n`);
    });
  }

  /** Makes `dir` a shared mount point (see the helper's `share`). */
  share(dir: string): Promise<void> {
    return this.send({ op: 'share', dir });
  }

  /** Makes `dir` a private mount point (the staging folder for old kernels). */
  makePrivate(dir: string): Promise<void> {
    return this.send({ op: 'private', dir });
  }

  /** Mounts a read-only copy of `src` at `dst` (read-only before it propagates anywhere). */
  bindReadOnly(src: string, dst: string, stage: string): Promise<void> {
    return this.send({ op: 'bind-ro', src, dst, stage });
  }

  /** Lazily unmounts `dir`. */
  unmount(dir: string): Promise<void> {
    return this.send({ op: 'unmount', dir });
  }

  /** Ends the helper (its stdin closes; it exits). */
  close(): void {
    this.child?.stdin?.end();
    this.child = null;
  }
}

/**
 * Mount points at or under `dir`, deepest first, from /proc/self/mountinfo (what a
 * server killed with SIGKILL may have left behind).
 */
export function mountsUnder(dir: string): string[] {
  let text = '';
  try {
    text = readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return [];
  }
  const found: string[] = [];
  for (const line of text.split('\n')) {
    // Field 5 is the mount point, with spaces and the like escaped as octal.
    const mp = line
      .split(' ')[4]
      ?.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8)));
    if (mp && (mp === dir || mp.startsWith(`${dir}/`))) found.push(mp);
  }
  return found.sort((a, b) => b.length - a.length);
}
