/**
 * The runtimes Nimbus can run and how. One entry per Lambda runtime identifier.
 */
export interface RuntimeInfo {
  id: string;
  family: 'nodejs';
  /** Folder under the repo's `runtimes/` that is mounted at /var/runtime. */
  runtimeFolder: string;
  /** Major version of the interpreter it needs. */
  major: number;
}

const NODE_ID = /^nodejs(\d+)\.x$/;

/** Node majors Nimbus knows about (Lambda's current ones). */
const KNOWN_NODE_MAJORS = [20, 22, 24];

/** The host node's major version: the one interpreter available without a download. */
export const HOST_NODE_MAJOR = Number(process.versions.node.split('.')[0]);

/**
 * Looks a runtime identifier up. `undefined` for an identifier Lambda does not
 * have; `{ supported: false, reason }` for one Nimbus cannot run on this host.
 */
export function lookupRuntime(
  id: string,
): { supported: true; info: RuntimeInfo } | { supported: false; reason: string } | undefined {
  const m = NODE_ID.exec(id);
  if (m) {
    const major = Number(m[1]);
    if (!KNOWN_NODE_MAJORS.includes(major)) return undefined;
    if (major !== HOST_NODE_MAJOR) {
      return {
        supported: false,
        reason: `Runtime ${id} needs Node.js ${major}, but this host runs Node.js ${HOST_NODE_MAJOR}; use nodejs${HOST_NODE_MAJOR}.x`,
      };
    }
    return { supported: true, info: { id, family: 'nodejs', runtimeFolder: 'node', major } };
  }
  return undefined;
}

/** Every identifier Lambda accepts that Nimbus recognises (for error messages). */
export const KNOWN_RUNTIMES = KNOWN_NODE_MAJORS.map((m) => `nodejs${m}.x`);
