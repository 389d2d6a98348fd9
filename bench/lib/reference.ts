import { request } from './http-load.js';
import { type ProcMemory, procMemory } from './proc-memory.js';
import { childEnv, freePort, type OwnedChild, sleep, spawnOwned, stopOwned } from './processes.js';

/**
 * shared/bench/peers/node-http/server.js, inlined: the plain node:http hello
 * server (the physical limit). It drains the request body, as a POST is sent.
 */
const NODE_HELLO = `
const http = require('node:http');
const body = JSON.stringify({ hello: 'world' });
http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
}).listen(Number(process.env.PORT), '127.0.0.1');
`;

/** The plain node:http hello server, started and answering. */
export interface NodeHello {
  port: number;
  proc: OwnedChild;
  stop(): Promise<void>;
}

/** Starts the node:http hello server on a free port (pinned to `cpus` when given). */
export async function startNodeHello(
  root: string,
  cpus: string | undefined,
  own: (stop: () => Promise<void>) => void,
): Promise<NodeHello> {
  const port = await freePort();
  const proc = spawnOwned(process.execPath, ['-e', NODE_HELLO], {
    cwd: root,
    env: childEnv({ PORT: String(port) }),
    cpus,
  });
  const stop = () => stopOwned(proc, 3000);
  own(stop);
  const until = performance.now() + 10_000;
  while (performance.now() < until) {
    try {
      await request({ port, method: 'GET', path: '/', agent: false, timeoutMs: 1000 });
      return { port, proc, stop };
    } catch {
      await sleep(5);
    }
  }
  await stop();
  throw new Error(`node:http hello did not come up: ${proc.stderrTail()}`);
}

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
