import { keepAliveAgent } from './http-load.js';
import { invokeWithTail } from './lambda-api.js';
import {
  childTrees,
  describeTree,
  flatten,
  type ProcMemory,
  type ProcNode,
  procMemory,
} from './proc-memory.js';
import { sleep } from './processes.js';
import { round } from './stats.js';

export interface InstanceMemoryResult {
  /** The instance's process tree under the server, e.g. `bwrap(1) → bwrap(2) → node(3)`. */
  tree: string;
  processes: ProcMemory[];
  /** The runtime's node process: the headline. */
  node: ProcMemory;
  /** Over every process of the instance: USS adds up exactly; PSS is the fair share. */
  treeUssMb: number;
  treePssMb: number;
  /** RSS summed over the tree (double-counts shared pages; for orientation only). */
  treeRssMb: number;
  /** The server's own process. */
  server: ProcMemory;
}

function instanceTrees(serverPid: number): ProcNode[] {
  return childTrees(serverPid).filter((t) => flatten(t).some((p) => p.comm === 'node'));
}

/**
 * Memory of the one warm instance of the function, idle: it is invoked
 * `invocations` times (so it is past its first call), then left idle for
 * `idleMs`, then every process of its tree is read from /proc.
 */
export async function measureIdleInstance(o: {
  port: number;
  serverPid: number;
  functionName: string;
  invocations: number;
  idleMs: number;
}): Promise<InstanceMemoryResult> {
  const agent = keepAliveAgent(1);
  try {
    for (let i = 0; i < o.invocations; i++) await invokeWithTail(o.port, o.functionName, agent);
  } finally {
    agent.destroy();
  }
  await sleep(o.idleMs);
  // Retired instances of earlier revisions may still be dying: wait for them (bounded).
  let trees = instanceTrees(o.serverPid);
  for (let t = 0; trees.length > 1 && t < 40; t++) {
    await sleep(50);
    trees = instanceTrees(o.serverPid);
  }
  const tree = trees[0];
  if (trees.length !== 1 || !tree) {
    throw new Error(
      `expected one instance under the server, found ${trees.length}: ${trees.map(describeTree).join('; ')}`,
    );
  }
  const processes = flatten(tree).flatMap((p) => procMemory(p.pid) ?? []);
  const node = processes.find((p) => p.comm === 'node');
  const server = procMemory(o.serverPid);
  if (!node || !server) throw new Error('instance or server exited while being measured');
  const sum = (k: 'ussMb' | 'pssMb' | 'rssMb') =>
    round(
      processes.reduce((a, p) => a + p[k], 0),
      2,
    );
  return {
    tree: describeTree(tree),
    processes,
    node,
    treeUssMb: sum('ussMb'),
    treePssMb: sum('pssMb'),
    treeRssMb: sum('rssMb'),
    server,
  };
}
