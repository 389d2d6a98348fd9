import type { BenchGroup, GroupResult } from './groups.js';
import { measureIdleInstance } from './instance-memory.js';
import { withHelloServer } from './nimbus-server.js';
import { bareNodeMemory } from './reference.js';
import { row } from './table.js';

/** One idle warm instance's memory (USS: what its exit gives back; PSS: its fair share). */
export const memoryGroup: BenchGroup = {
  name: 'memory',
  title: 'idle warm instance memory (after 10 invocations, 1 s idle)',
  async run(ctx): Promise<GroupResult> {
    const memory = await withHelloServer({ root: ctx.root, own: ctx.own }, (server) =>
      measureIdleInstance({
        port: server.port,
        serverPid: server.pid,
        functionName: 'hello',
        invocations: 10,
        idleMs: 1000,
      }),
    );
    const bare = await bareNodeMemory(ctx.root);
    const ref = (v: number | undefined) => ({ value: v ?? null, name: 'bare node' });
    const n = memory.processes.length;
    ctx.log(`instance tree: ${memory.tree}`);
    const rows = [
      row('idle instance node USS MB', memory.node.ussMb, ref(bare?.ussMb), {
        text: '≤ 10 MB',
        meets: (v) => v <= 10,
      }),
      row('idle instance node PSS MB', memory.node.pssMb, ref(bare?.pssMb)),
      row('idle instance node RSS MB', memory.node.rssMb, ref(bare?.rssMb)),
      row(`idle instance tree USS MB (${n} processes)`, memory.treeUssMb, ref(bare?.ussMb)),
      row(`idle instance tree PSS MB (${n} processes)`, memory.treePssMb, ref(bare?.pssMb)),
      row('server RSS MB, 1 idle instance', memory.server.rssMb, null),
    ];
    return { rows, results: { memory, bareNode: bare } };
  },
};
