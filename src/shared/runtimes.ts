import { execFileSync } from 'node:child_process';

/**
 * The runtimes Nimbus can run and how. One entry per Lambda runtime identifier.
 */
export interface RuntimeInfo {
  id: string;
  family: 'nodejs' | 'python' | 'provided';
  /** Folder under the repo's `runtimes/` that is mounted at /var/runtime. */
  runtimeFolder: string;
  /** Major version of the interpreter it needs (0 for `provided`: the function brings its own). */
  major: number;
  /** Minor version it needs, for identifiers that name one (`python3.11` → 11). */
  minor?: number;
  /** Node only: the Node.js Nimbus installed for this major; absent when the host's node runs it. */
  installedNode?: InstalledNode;
}

/** A Node.js that Nimbus installed under its data dir (`<dataDir>/runtimes/node-<major>/`). */
export interface InstalledNode {
  /** Host folder holding `bin/node`; the sandbox mounts it read-only at /var/lang. */
  dir: string;
  /** Its version without the `v` (`22.23.3`). */
  version: string;
}

/** Where lookups find the Node.js majors Nimbus installed. */
export interface NodeInstalls {
  find(major: number): InstalledNode | null;
}

const NODE_ID = /^nodejs(\d+)\.x$/;
const PYTHON_ID = /^python3\.(\d+)$/;

/** Custom runtimes: the function's own `bootstrap` executable speaks the Runtime API. */
export const PROVIDED_RUNTIMES = ['provided', 'provided.al2', 'provided.al2023'];

/** Node majors Nimbus knows about (Lambda's current ones). */
export const KNOWN_NODE_MAJORS = [20, 22, 24];

/** Python 3 minors Nimbus knows about (Lambda's current ones). */
export const KNOWN_PYTHON_MINORS = [9, 10, 11, 12, 13, 14];

/** The host node's major version: the one interpreter available without a download. */
export const HOST_NODE_MAJOR = Number(process.versions.node.split('.')[0]);

/**
 * The interpreter Python instances run: the system one, which the sandbox mounts with /usr.
 * A pyenv shim or venv earlier on the server's PATH is not visible inside the sandbox.
 */
export const HOST_PYTHON_PATH = '/usr/bin/python3';

let hostPython: { major: number; minor: number } | null | undefined;

/** The version of {@link HOST_PYTHON_PATH}, asked once per process; null when there is none. */
export function hostPythonVersion(): { major: number; minor: number } | null {
  if (hostPython === undefined) {
    try {
      // -I: the server's PYTHON* variables and user site do not change the answer.
      const out = execFileSync(
        HOST_PYTHON_PATH,
        ['-I', '-c', 'import sys;print(*sys.version_info[:2])'],
        {
          encoding: 'utf8',
          timeout: 10_000,
          stdio: ['ignore', 'pipe', 'ignore'],
        },
      );
      const [major, minor] = out.trim().split(' ').map(Number);
      hostPython =
        major === 3 && Number.isInteger(minor) ? { major, minor: minor as number } : null;
    } catch {
      hostPython = null;
    }
  }
  return hostPython;
}

export type RuntimeLookup =
  | { supported: true; info: RuntimeInfo }
  | { supported: false; reason: string }
  | undefined;

/**
 * Looks a runtime identifier up. `undefined` for an identifier Lambda does not
 * have; `{ supported: false, reason }` for one Nimbus cannot run on this host.
 * A Node major other than the host's is runnable once installed (`nodes`).
 * @example lookupRuntime('nodejs22.x', catalog.nodes) // { supported: true, info: { installedNode } }
 */
export function lookupRuntime(id: string, nodes?: NodeInstalls): RuntimeLookup {
  const m = NODE_ID.exec(id);
  if (m) {
    const major = Number(m[1]);
    if (!KNOWN_NODE_MAJORS.includes(major)) return undefined;
    const info: RuntimeInfo = { id, family: 'nodejs', runtimeFolder: 'node', major };
    if (major === HOST_NODE_MAJOR) return { supported: true, info };
    const installedNode = nodes?.find(major);
    if (installedNode) return { supported: true, info: { ...info, installedNode } };
    return {
      supported: false,
      reason: `Runtime ${id} needs Node.js ${major}, which is not installed on this host (the server runs Node.js ${HOST_NODE_MAJOR}): install it with \`nimbus runtimes install ${id}\``,
    };
  }
  if (PROVIDED_RUNTIMES.includes(id)) {
    return {
      supported: true,
      info: { id, family: 'provided', runtimeFolder: 'provided', major: 0 },
    };
  }
  const py = PYTHON_ID.exec(id);
  if (py) return lookupPython(id, Number(py[1]));
  return undefined;
}

function lookupPython(id: string, minor: number): RuntimeLookup {
  const host = hostPythonVersion();
  if (!KNOWN_PYTHON_MINORS.includes(minor) && minor !== host?.minor) return undefined;
  if (host === null) {
    return {
      supported: false,
      reason: `Runtime ${id} needs Python 3.${minor}, but this host has no ${HOST_PYTHON_PATH}`,
    };
  }
  if (minor !== host.minor) {
    return {
      supported: false,
      reason: `Runtime ${id} needs Python 3.${minor}, but this host has Python 3.${host.minor}; use python3.${host.minor}`,
    };
  }
  return {
    supported: true,
    info: { id, family: 'python', runtimeFolder: 'python', major: 3, minor },
  };
}

/** Every identifier Lambda accepts that Nimbus recognises (for error messages). */
export const KNOWN_RUNTIMES = [
  ...KNOWN_NODE_MAJORS.map((m) => `nodejs${m}.x`),
  ...KNOWN_PYTHON_MINORS.map((m) => `python3.${m}`),
  ...PROVIDED_RUNTIMES,
];
