import { type ProcMemory, procMemory } from './proc-memory.js';
import { childEnv, sleep, spawnOwned, stopOwned } from './processes.js';

/** Memory of a bare idle `node` process (a timer keeps it alive), started without NODE_EXTRA_CA_CERTS. */
export async function bareNodeMemory(root: string): Promise<ProcMemory | null> {
  const proc = spawnOwned(process.execPath, ['-e', 'setInterval(() => {}, 1 << 30)'], {
    cwd: root,
    env: childEnv(),
  });
  try {
    await sleep(500);
    return procMemory(proc.pid);
  } finally {
    await stopOwned(proc, 3000);
  }
}
