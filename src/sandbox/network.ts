import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Readable, Writable } from 'node:stream';

/**
 * Outbound network for sandboxes of services with internet access. Every sandbox gets
 * its own network namespace; without internet access it holds only a loopback, so no
 * connection leaves it. With internet access, slirp4netns (Debian `slirp4netns`) gives
 * it a tap device whose traffic leaves through ordinary sockets of the Nimbus host's
 * network namespace, a user-mode TCP/IP stack, with:
 * - `--disable-host-loopback`: the host's 127.0.0.1 (slirp's 10.0.2.2) is refused;
 * - `--disable-dns`: no 10.0.2.3 alias either (it maps any port to the host's resolver,
 *   or to the host's loopback when it has none); the sandbox gets the host's own
 *   non-loopback name servers instead (see `sandboxResolvConf`);
 * - `--enable-sandbox --enable-seccomp`: slirp4netns itself runs confined.
 * bubblewrap holds the sandbox (`--block-fd`) until the tap device is configured, so
 * the runtime's first connection already works.
 */

const SLIRP_PATHS = ['/usr/bin/slirp4netns', '/usr/local/bin/slirp4netns', '/bin/slirp4netns'];

let slirp: string | null | undefined;

/** The user-mode network stack's program, looked up once per process; null when absent. */
export function findUserNet(): string | null {
  if (slirp === undefined) {
    slirp = null;
    for (const p of SLIRP_PATHS) {
      try {
        accessSync(p, constants.X_OK);
        slirp = p;
        break;
      } catch {
        // not there
      }
    }
  }
  return slirp;
}

/** What to tell the operator when internet access cannot be given. */
export const USERNET_MISSING =
  'services with internetAccess need slirp4netns to give their sandboxes outbound network: install it (apt-get install slirp4netns)';

/** The sandbox's fds (as bubblewrap sees them) for its info JSON and for the go-ahead. */
const INFO_FD = 3;
const BLOCK_FD = 4;

/** stdio of a sandbox with internet access: fds 3 and 4 are bubblewrap's info and block fds. */
export const INTERNET_STDIO = ['ignore', 'pipe', 'ignore', 'pipe', 'pipe'] as const;

/**
 * `args` (bubblewrap's, ending in `--`) plus what internet access needs: the info and
 * block fds, and `resolvConf` (a host file) at /etc/resolv.conf when given.
 */
export function withInternet(args: string[], resolvConf: string | null): string[] {
  const extra = ['--info-fd', String(INFO_FD), '--block-fd', String(BLOCK_FD)];
  if (resolvConf) extra.push('--ro-bind', resolvConf, '/etc/resolv.conf');
  // Mounts apply in order: this one must come after the system mounts of /etc.
  return [...args.slice(0, -1), ...extra, ...args.slice(-1)];
}

let resolvConf: string | null | undefined;

/**
 * The text of /etc/resolv.conf for sandboxes with internet access, or null when the
 * host's own serves (its name servers are reachable from outside its loopback). A host
 * that resolves through a loopback server (systemd-resolved's 127.0.0.53) gets that
 * server's upstreams instead, when it lists them.
 */
export function sandboxResolvConf(): string | null {
  if (resolvConf === undefined) {
    const host = readText('/etc/resolv.conf');
    const servers = nameServers(host);
    if (servers.length === 0 || servers.some((s) => !isLoopback(s))) {
      resolvConf = null;
    } else {
      const upstream = nameServers(readText('/run/systemd/resolve/resolv.conf')).filter(
        (s) => !isLoopback(s),
      );
      const rest = host.split('\n').filter((l) => /^\s*(search|domain|options)\b/.test(l));
      resolvConf = upstream.length
        ? `${[...upstream.map((s) => `nameserver ${s}`), ...rest].join('\n')}\n`
        : null;
    }
  }
  return resolvConf;
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function nameServers(text: string): string[] {
  return [...text.matchAll(/^\s*nameserver\s+(\S+)/gm)].map((m) => m[1]!); // group 1 always matches
}

function isLoopback(addr: string): boolean {
  return addr.startsWith('127.') || addr === '::1';
}

/** A sandbox's user-mode network stack. */
export interface UserNet {
  /** Resolves once the sandbox's network is up and the sandbox may go on. */
  ready: Promise<void>;
  /** Stops the stack (the sandbox's network namespace goes with the sandbox). */
  stop(): void;
}

/**
 * Attaches slirp4netns (`program`) to the sandbox `child` started with `withInternet`:
 * reads the sandbox's pid from bubblewrap's info fd, configures its network, then lets
 * it go on. `ready` rejects with slirp4netns's own words when that fails.
 */
export function attachUserNet(child: ChildProcess, program: string): UserNet {
  let proc: ChildProcess | null = null;
  let started = false;
  let stopped = false;
  const info = child.stdio[INFO_FD] as Readable | null;
  const block = child.stdio[BLOCK_FD] as Writable | null;
  const ready = new Promise<void>((resolve, reject) => {
    if (!info || !block) return reject(new Error('the sandbox has no info and block fds'));
    let text = '';
    const onInfo = (chunk: Buffer) => {
      text += chunk.toString('utf8');
      const pid = /"child-pid":\s*(\d+)/.exec(text)?.[1];
      if (!pid || started) return;
      started = true;
      info.off('data', onInfo);
      info.resume();
      void loopbackUp(pid).then((up) => {
        if (stopped) return;
        if (!up) return reject(new Error('the sandbox did not set up its loopback'));
        connect(pid);
      });
    };
    const connect = (pid: string) => {
      proc = startSlirp(program, pid);
      let why = '';
      proc.stderr?.on('data', (c: Buffer) => {
        if (why.length < 2000) why += c.toString('utf8');
      });
      const readyFd = proc.stdio[3] as Readable;
      readyFd.once('data', () => {
        block.end('1');
        resolve();
      });
      proc.once('exit', (code, signal) =>
        reject(
          new Error(
            `slirp4netns ended (${signal ?? `exit ${code}`}) before the network was up: ${why.trim().split('\n').slice(-3).join(' / ')}`,
          ),
        ),
      );
    };
    info.on('data', onInfo);
    info.once('end', () => {
      if (!started) reject(new Error('the sandbox ended before its network was set up'));
    });
    // Errors on the fds follow the sandbox's own end, which the instance reports.
    info.on('error', () => undefined);
    block.on('error', () => undefined);
  });
  ready.catch(() => undefined); // the instance handles it; never an unhandled rejection
  return {
    ready,
    stop() {
      stopped = true;
      if (proc && proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    },
  };
}

/** How long the sandbox may take to bring its loopback up (bubblewrap does it first thing). */
const LOOPBACK_WAIT_MS = 5000;

/**
 * Resolves true once bubblewrap has set up the sandbox's loopback: its local route for
 * 127.0.0.1 exists only after the address was added and the link brought up, bubblewrap's
 * last netlink request. slirp4netns must not configure the namespace before that: done
 * concurrently, bubblewrap's own request fails now and then ("loopback: Failed
 * RTM_NEWADDR"). False when the sandbox is gone or the wait ran out.
 */
async function loopbackUp(pid: string): Promise<boolean> {
  const until = Date.now() + LOOPBACK_WAIT_MS;
  for (let i = 0; ; i++) {
    try {
      if ((await readFile(`/proc/${pid}/net/fib_trie`, 'utf8')).includes('127.0.0.1')) return true;
    } catch {
      return false; // the sandbox is gone
    }
    if (Date.now() > until) return false;
    // Usually already up: the first tries do not sleep.
    await new Promise((r) => (i < 20 ? setImmediate(r) : setTimeout(r, 1)));
  }
}

function startSlirp(program: string, pid: string): ChildProcess {
  // Root: the sandbox's netns belongs to the initial user namespace (bubblewrap makes
  // its user namespace later), so join the netns alone. Otherwise the netns belongs to
  // the sandbox's user namespace, which slirp4netns must join first.
  const target =
    process.getuid?.() === 0
      ? ['--netns-type=path', `/proc/${pid}/ns/net`]
      : [`--userns-path=/proc/${pid}/ns/user`, pid];
  return spawn(
    program,
    [
      '--configure',
      '--mtu=65520',
      '--disable-host-loopback',
      '--disable-dns',
      '--enable-sandbox',
      '--enable-seccomp',
      '--ready-fd=3',
      // slirp4netns ends when this fd closes: when Nimbus goes, even by SIGKILL.
      '--exit-fd=4',
      ...target,
      'tap0',
    ],
    { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] },
  );
}
