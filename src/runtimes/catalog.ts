import { findRelay, RELAY_MISSING } from '../sandbox/index.js';
import { fail } from '../shared/error-codes.js';
import {
  HOST_NODE_MAJOR,
  HOST_PYTHON_PATH,
  hostPythonVersion,
  KNOWN_RUNTIMES,
  lookupRuntime,
  type NodeInstalls,
  type RuntimeLookup,
} from '../shared/runtimes.js';
import { type InstallProgress, NodeInstallError, type NodeInstaller } from './node-installer.js';

/** One line of `nimbus runtimes ls`. */
export interface RuntimeRow {
  id: string;
  family: 'nodejs' | 'python' | 'provided';
  /** What runs it on this host, in words. */
  runs: string;
  /** Whether functions with this runtime can run now. */
  installed: boolean;
  /** The interpreter's version, when there is one and it is here. */
  version: string | null;
  /** Why it cannot run, or how to make it run. */
  note?: string;
  /** An install under way. */
  installing?: InstallProgress;
}

const NODE_ID = /^nodejs(\d+)\.x$/;

/**
 * Every runtime identifier Nimbus knows, what runs each on this host, and the
 * Node.js installs (`nimbus runtimes ls`, `nimbus runtimes install`).
 */
export class RuntimeCatalog {
  constructor(
    readonly installer: NodeInstaller,
    private readonly isolated: boolean,
  ) {}

  /** The Node.js majors Nimbus installed, for runtime lookups. */
  get nodes(): NodeInstalls {
    return this.installer;
  }

  lookup(id: string): RuntimeLookup {
    return lookupRuntime(id, this.installer);
  }

  list(): RuntimeRow[] {
    return KNOWN_RUNTIMES.map((id) => this.row(id)).filter((r) => r !== undefined);
  }

  row(id: string): RuntimeRow | undefined {
    const found = this.lookup(id);
    if (!found) return undefined;
    const node = NODE_ID.exec(id);
    if (node) return this.nodeRow(id, Number(node[1]), found);
    if (id.startsWith('python')) {
      const py = hostPythonVersion();
      return {
        id,
        family: 'python',
        runs: `${HOST_PYTHON_PATH} + runtimes/python/bootstrap.py`,
        installed: found.supported,
        version: found.supported && py ? `${py.major}.${py.minor}` : null,
        ...(found.supported ? {} : { note: found.reason }),
      };
    }
    const relay = this.isolated ? findRelay() : null;
    const ready = !this.isolated || relay !== null;
    return {
      id,
      family: 'provided',
      runs: this.isolated
        ? `the function's bootstrap; AWS_LAMBDA_RUNTIME_API relayed by ${relay ?? 'socat'}`
        : "the function's bootstrap; AWS_LAMBDA_RUNTIME_API on a 127.0.0.1 port (unsandboxed)",
      installed: ready,
      version: null,
      ...(ready ? {} : { note: RELAY_MISSING }),
    };
  }

  private nodeRow(id: string, major: number, found: RuntimeLookup): RuntimeRow {
    const installing = this.installer.progress(major);
    const base = { id, family: 'nodejs' as const, ...(installing ? { installing } : {}) };
    if (major === HOST_NODE_MAJOR) {
      return {
        ...base,
        runs: `the server's node (${process.execPath})`,
        installed: true,
        version: process.versions.node,
      };
    }
    const have = found?.supported ? found.info.installedNode : undefined;
    if (have) {
      return {
        ...base,
        runs: `${this.installer.packageName ?? 'node'}@${have.version} in ${have.dir}`,
        installed: true,
        version: have.version,
      };
    }
    return {
      ...base,
      runs: `${this.installer.packageName ?? 'node'} from the npm registry, once installed`,
      installed: false,
      version: null,
      note: `install it with \`nimbus runtimes install ${id}\``,
    };
  }

  /**
   * Makes `id` runnable: downloads the Node.js major it needs unless the host has it or
   * it is installed already (`changed` says whether anything was installed). Nimbus
   * installs Node.js only: Python and custom runtimes use what the host has.
   */
  async install(id: string): Promise<{ row: RuntimeRow; changed: boolean }> {
    const found = this.lookup(id);
    if (!found) {
      throw fail('NotFound', `no such runtime: ${id} (known: ${KNOWN_RUNTIMES.join(', ')})`);
    }
    const node = NODE_ID.exec(id);
    if (node && Number(node[1]) !== HOST_NODE_MAJOR) {
      let fresh: boolean;
      try {
        ({ fresh } = await this.installer.install(Number(node[1])));
      } catch (e) {
        if (e instanceof NodeInstallError)
          throw fail('RuntimeInstallFailed', `${id}: ${e.message}`);
        throw e;
      }
      return { row: this.row(id) as RuntimeRow, changed: fresh }; // a known id always has a row
    }
    const row = this.row(id) as RuntimeRow; // a known id always has a row
    if (!row.installed) {
      throw fail(
        'BadRequest',
        `${id} cannot be installed by Nimbus: ${row.note ?? 'not available on this host'}`,
      );
    }
    return { row, changed: false };
  }
}
