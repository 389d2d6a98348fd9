import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, lstatSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import type { InstanceCgroup } from './cgroup.js';
import { INTERNET_STDIO, withInternet } from './network.js';

/** Where things are as the runtime process sees them. */
export interface SandboxPaths {
  taskRoot: string;
  runtimeDir: string;
  optDir: string;
  socketPath: string;
  /** Where a Node.js that Nimbus installed is (`bin/node`), as on Lambda. */
  langDir: string;
  /** Folder of the socket to Nimbus's own AWS endpoint (SQS, S3, Lambda). */
  awsSocketDir: string;
}

/** What to run and what it may see. Host paths; the launcher maps them. */
export interface SandboxSpec {
  instanceId: string;
  /** Host folder of the function's unzipped code. */
  codeDir: string;
  /** Host folder of Nimbus's runtime files for this runtime. */
  runtimeDir: string;
  /** Host folder holding only this instance's Runtime API socket. */
  socketDir: string;
  socketName: string;
  /** Host folder mounted at /opt (merged layers), or null for an empty /opt. */
  optDir: string | null;
  /** Host folder of a Node.js that Nimbus installed, mounted read-only at /var/lang; none when absent. */
  langDir?: string | null;
  /** argv inside the sandbox; a leading `{runtime}` / `{task}` prefix is mapped. */
  argv: string[];
  env: Record<string, string>;
  tmpSizeMb: number;
  /**
   * Host folder holding the socket of Nimbus's own AWS endpoint, mounted read-only at
   * /run/nimbus-aws; the runtime relays AWS_ENDPOINT_URL to it. None: not mounted.
   */
  awsSocketDir?: string | null;
  cgroup: InstanceCgroup | null;
  /**
   * Outbound network through a user-mode stack (network.ts; bubblewrap only): the
   * sandbox waits on fd 4 until `attachUserNet` has set it up. `resolvConf`: a host
   * file mounted at /etc/resolv.conf, or null for the host's own.
   */
  internet?: { resolvConf: string | null } | null;
  /** stdin is a pipe (a prewarmed sandbox reads its assignment there), else /dev/null. */
  stdinPipe?: boolean;
}

export const SANDBOX_PATHS: SandboxPaths = {
  taskRoot: '/var/task',
  runtimeDir: '/var/runtime',
  optDir: '/opt',
  socketPath: '/run/nimbus/runtime.sock',
  langDir: '/var/lang',
  awsSocketDir: '/run/nimbus-aws',
};

/** The uid/gid function code runs as inside the sandbox (as Lambda's sbx_user1051). */
const SANDBOX_UID = '993';
const SANDBOX_GID = '990';

/** Host /etc entries a runtime needs: TLS roots, name resolution, time zones, the loader. */
const ETC_ENTRIES = [
  'ssl',
  'ca-certificates',
  'ca-certificates.conf',
  'alternatives',
  'localtime',
  'hosts',
  'resolv.conf',
  'nsswitch.conf',
  'host.conf',
  'ld.so.cache',
  'ld.so.conf',
  'ld.so.conf.d',
  'mime.types',
];

/** Top-level host folders that hold programs and libraries, mounted read-only. */
const SYSTEM_DIRS = ['/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32'];

function systemMounts(): string[] {
  const args: string[] = [];
  for (const dir of SYSTEM_DIRS) {
    let st: ReturnType<typeof lstatSync>;
    try {
      st = lstatSync(dir);
    } catch {
      continue;
    }
    if (st.isSymbolicLink()) {
      // merged-/usr hosts: /bin -> usr/bin and so on
      const target = path.relative('/', path.resolve('/', path.dirname(dir), readlinkSync(dir)));
      args.push('--symlink', target, dir);
    } else {
      args.push('--ro-bind', dir, dir);
    }
  }
  // A node that lives outside /usr (nvm, a downloaded build) is mounted where it is.
  const nodePrefix = path.dirname(path.dirname(process.execPath));
  if (!SYSTEM_DIRS.some((d) => nodePrefix === d || nodePrefix.startsWith(`${d}/`))) {
    args.push('--ro-bind', nodePrefix, nodePrefix);
  }
  for (const e of ETC_ENTRIES) args.push('--ro-bind-try', `/etc/${e}`, `/etc/${e}`);
  return args;
}

let cachedSystemMounts: string[] | null = null;

/** bubblewrap arguments for one instance (exported for tests of the policy). */
export function bwrapArgs(spec: SandboxSpec): string[] {
  cachedSystemMounts ??= systemMounts();
  return [
    '--unshare-all',
    '--uid',
    SANDBOX_UID,
    '--gid',
    SANDBOX_GID,
    '--hostname',
    'nimbus',
    '--die-with-parent',
    '--new-session',
    '--cap-drop',
    'ALL',
    ...cachedSystemMounts,
    '--proc',
    '/proc',
    '--dev',
    '/dev',
    '--size',
    String(spec.tmpSizeMb * 1024 * 1024),
    '--tmpfs',
    '/tmp',
    '--ro-bind',
    spec.codeDir,
    SANDBOX_PATHS.taskRoot,
    '--ro-bind',
    spec.runtimeDir,
    SANDBOX_PATHS.runtimeDir,
    ...(spec.optDir ? ['--ro-bind', spec.optDir, SANDBOX_PATHS.optDir] : ['--dir', '/opt']),
    // Only that runtime's own folder: the rest of the data dir stays invisible.
    ...(spec.langDir ? ['--ro-bind', spec.langDir, SANDBOX_PATHS.langDir] : []),
    ...(spec.awsSocketDir ? ['--ro-bind', spec.awsSocketDir, SANDBOX_PATHS.awsSocketDir] : []),
    '--ro-bind',
    spec.socketDir,
    path.dirname(SANDBOX_PATHS.socketPath),
    '--chdir',
    SANDBOX_PATHS.taskRoot,
    '--',
  ];
}

/** Paths as the runtime sees them for a given isolation. */
export function pathsFor(
  isolated: boolean,
  spec: Pick<
    SandboxSpec,
    'codeDir' | 'runtimeDir' | 'optDir' | 'socketDir' | 'socketName' | 'langDir' | 'awsSocketDir'
  >,
): SandboxPaths {
  if (isolated) return SANDBOX_PATHS;
  return {
    taskRoot: spec.codeDir,
    runtimeDir: spec.runtimeDir,
    optDir: spec.optDir ?? '/opt',
    socketPath: path.join(spec.socketDir, spec.socketName),
    langDir: spec.langDir ?? SANDBOX_PATHS.langDir,
    awsSocketDir: spec.awsSocketDir ?? SANDBOX_PATHS.awsSocketDir,
  };
}

/**
 * The wrapper joins the cgroups (before exec, so nothing escapes the cap) and
 * merges stderr into stdout so output keeps its order. Exit code 111 means it
 * could not join a cgroup.
 */
const WRAPPER =
  'while [ "$1" != -- ]; do echo $$ > "$1" || exit 111; shift; done; shift; exec "$@" 2>&1';

export const CGROUP_JOIN_FAILED_EXIT = 111;

/**
 * Starts the instance's process: `sh -c WRAPPER` → (bwrap →) runtime. The
 * environment is exactly `spec.env`: nothing of the server's leaks in.
 */
export function launch(spec: SandboxSpec, isolated: boolean, bwrapPath: string): ChildProcess {
  const procs = spec.cgroup?.procsFiles ?? [];
  const net = isolated ? spec.internet : null;
  const sandbox = net ? withInternet(bwrapArgs(spec), net.resolvConf) : bwrapArgs(spec);
  const argv = isolated ? [bwrapPath, ...sandbox, ...spec.argv] : spec.argv;
  return spawn('/bin/sh', ['-c', WRAPPER, 'nimbus-sandbox', ...procs, '--', ...argv], {
    env: spec.env,
    cwd: isolated ? '/' : spec.codeDir,
    stdio: net ? [...INTERNET_STDIO] : [spec.stdinPipe ? 'pipe' : 'ignore', 'pipe', 'ignore'],
    // Own process group: a signal to the server's group does not reach instances first.
    detached: true,
  });
}

export function bwrapUsable(bwrapPath: string): boolean {
  return existsSync(bwrapPath);
}
