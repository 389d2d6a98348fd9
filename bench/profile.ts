// `node --import tsx bench/profile.ts`: where a warm gateway request's CPU goes. Starts a
// server under `--cpu-prof` (pinned to CPU 0, its instances with it), puts the hello behind
// GET /hello, drives it with wrk (CPU 1) at PROFILE_CONNS for PROFILE_SECS, stops the server
// cleanly so V8 writes the profile, and prints the top self-time functions and files.
// Instances are profiled too with PROFILE_INSTANCES=1 (NODE_OPTIONS reaches their node).
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { addRoute, waitFor200 } from './lib/gateway-targets.js';
import { createFunction, HTTP_HELLO_SOURCE, helloZip } from './lib/lambda-api.js';
import { ensureBuilt, startNimbus } from './lib/nimbus-server.js';
import { runWrk } from './lib/wrk.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const conns = Number(process.env.PROFILE_CONNS ?? 10);
const secs = Number(process.env.PROFILE_SECS ?? 5);
const top = Number(process.env.PROFILE_TOP ?? 30);

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Self time per function and per file of one .cpuprofile, as table lines. */
export function summarise(file: string, n: number): string[] {
  const p = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(p.nodes.map((x) => [x.id, x]));
  const selfUs = new Map<number, number>();
  p.samples.forEach((id, i) => {
    selfUs.set(id, (selfUs.get(id) ?? 0) + (p.timeDeltas[i] ?? 0));
  });
  const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
  const byFn = new Map<string, number>();
  const byFile = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const f = byId.get(id)?.callFrame;
    if (!f) continue;
    const where = f.url.replace(/^file:\/\//, '').replace(`${root}/`, '') || '(native)';
    const name = `${f.functionName || '(anonymous)'} ${where}:${f.lineNumber + 1}`;
    byFn.set(name, (byFn.get(name) ?? 0) + us);
    const fileKey = where.includes('node_modules')
      ? where.replace(/.*node_modules\/((@[^/]+\/)?[^/]+).*/, 'node_modules/$1')
      : where;
    byFile.set(fileKey, (byFile.get(fileKey) ?? 0) + us);
  }
  const pct = (us: number) => `${((100 * us) / total).toFixed(1).padStart(5)} %`;
  const rows = (m: Map<string, number>) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, us]) => `${pct(us)}  ${k}`);
  return [
    `${path.basename(file)}: ${(total / 1000).toFixed(0)} ms sampled`,
    '-- by function (self) --',
    ...rows(byFn),
    '-- by file (self) --',
    ...rows(byFile),
  ];
}

async function main(): Promise<void> {
  ensureBuilt(root);
  const profDir = mkdtempSync(path.join(os.tmpdir(), 'nimbus-prof-'));
  const env: Record<string, string> = { NIMBUS_PREWARM_POOL_SIZE: '0' };
  if (process.env.PROFILE_INSTANCES === '1') {
    env.NODE_OPTIONS = `--cpu-prof --cpu-prof-dir=${profDir}/instances`;
  }
  const server = await startNimbus({
    root,
    cpus: '0',
    nodeFlags: ['--cpu-prof', `--cpu-prof-dir=${profDir}`],
    env,
  });
  try {
    await createFunction(server.port, 'hello', await helloZip(HTTP_HELLO_SOURCE));
    await addRoute(server.port, 'GET /hello', 'hello');
    await waitFor200(server.proc, server.httpPort, '/hello', 30_000);
    const url = `http://127.0.0.1:${server.httpPort}/hello`;
    await runWrk(url, conns, 2, '1');
    const r = await runWrk(url, conns, secs, '1');
    console.log(
      `wrk c=${conns}: ${r.requestsPerS.toFixed(0)} req/s, p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms, non-2xx ${r.non2xx}, errors ${r.socketErrors || 'none'}`,
    );
  } finally {
    await server.stop();
  }
  for (const f of readdirSync(profDir).filter((x) => x.endsWith('.cpuprofile'))) {
    console.log(summarise(path.join(profDir, f), top).join('\n'));
  }
  if (process.env.PROFILE_KEEP !== '1') rmSync(profDir, { recursive: true, force: true });
  else console.log(`profiles kept in ${profDir}`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  await main();
}
