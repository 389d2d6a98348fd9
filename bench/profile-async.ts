// `node --import tsx bench/profile-async.ts`: where async (Event) invocations' server CPU
// goes. Starts a server under --cpu-prof (unpinned), sends PROFILE_EVENTS Event invokes of
// a no-op from 16 callers, waits for the queue to drain, stops the server so V8 writes the
// profile, and prints the top self-time functions and files (bench/profile.ts's summary).
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { keepAliveAgent, request } from './lib/http-load.js';
import { createFunction, helloZip, invokePath } from './lib/lambda-api.js';
import { ensureBuilt, startNimbus } from './lib/nimbus-server.js';
import { sleep } from './lib/processes.js';
import { summarise } from './profile.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const events = Number(process.env.PROFILE_EVENTS ?? 2000);

async function pending(port: number): Promise<number> {
  const a = await request({ port, method: 'GET', path: '/health', agent: false });
  return Number((JSON.parse(a.body.toString()) as { asyncPending?: number }).asyncPending ?? -1);
}

ensureBuilt(root);
const profDir = mkdtempSync(path.join(os.tmpdir(), 'nimbus-prof-'));
const server = await startNimbus({
  root,
  nodeFlags: ['--cpu-prof', `--cpu-prof-dir=${profDir}`],
  env: { NIMBUS_PREWARM_POOL_SIZE: '0' },
});
try {
  await createFunction(
    server.port,
    'noop',
    await helloZip('export const handler = async () => null;\n'),
  );
  const agent = keepAliveAgent(16);
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < events) {
        next++;
        await request({
          port: server.port,
          method: 'POST',
          path: invokePath('noop'),
          headers: { 'X-Amz-Invocation-Type': 'Event' },
          body: '{}',
          agent,
        });
      }
    }),
  );
  const accepted = performance.now() - t0;
  while ((await pending(server.port)) > 0) await sleep(10);
  const total = performance.now() - t0;
  agent.destroy();
  console.log(
    `${events} events: accepted in ${accepted.toFixed(0)} ms, drained in ${total.toFixed(0)} ms (${((events / total) * 1000).toFixed(0)} events/s)`,
  );
} finally {
  await server.stop();
}
for (const f of readdirSync(profDir).filter((x) => x.endsWith('.cpuprofile'))) {
  console.log(summarise(path.join(profDir, f), 30).join('\n'));
  if (process.env.PROFILE_KEEP === '1') console.log(`kept ${path.join(profDir, f)}`);
}
if (process.env.PROFILE_KEEP !== '1') rmSync(profDir, { recursive: true, force: true });
