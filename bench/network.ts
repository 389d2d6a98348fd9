// `node --import tsx bench/network.ts`: what a service's internetAccess adds to a cold start.
// Starts the same instance (bubblewrap, cgroup, a Node.js fake runtime that asks for its
// first event) N times without and N times with internet access (slirp4netns attached
// before the runtime may start), interleaved; prints min / median / p90 of both and of
// the difference, from start() until the runtime's first /next. Env: N=40.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { RuntimeApiServer } from '../src/runtime-api/index.js';
import { detectIsolation, findUserNet } from '../src/sandbox/index.js';
import { Instance } from '../src/scheduler/index.js';
import { systemClock } from '../src/shared/clock.js';
import { randomIds } from '../src/shared/ids.js';

const N = Number(process.env.N ?? 40);
const isolation = detectIsolation('auto');
if (isolation.kind !== 'bwrap' || !findUserNet()) {
  console.error('needs bubblewrap and slirp4netns (apt-get install bubblewrap slirp4netns)');
  process.exit(1);
}
const FAKE = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../test/fixtures/fake-runtimes',
);
const rapi = new RuntimeApiServer();
const runDir = mkdtempSync(path.join(os.tmpdir(), 'nimbus-net-bench-'));

function instance(internetAccess: boolean): Instance {
  return new Instance(
    {
      id: randomIds.hex(6),
      poolKey: 'bench',
      functionName: 'bench',
      memoryMb: 128,
      codeDir: FAKE,
      runtimeDir: FAKE,
      optDir: null,
      initTimeoutMs: 10_000,
      writesMarker: true,
      internetAccess,
      plan: (paths) => ({
        argv: [process.execPath, `${paths.taskRoot}/echo.mjs`],
        env: { NIMBUS_RUNTIME_SOCKET: paths.socketPath, PATH: '/usr/bin:/bin' },
      }),
    },
    {
      isolation,
      rapi,
      runDir,
      tmpSizeMb: 8,
      clock: systemClock,
      onDeath: () => undefined,
      onStrayLines: () => undefined,
    },
  );
}

async function coldStartMs(internetAccess: boolean): Promise<number> {
  const inst = instance(internetAccess);
  const t0 = performance.now();
  await inst.start();
  const ms = performance.now() - t0;
  inst.kill();
  await new Promise((r) => setTimeout(r, 30)); // let it go before the next one starts
  return ms;
}

const off: number[] = [];
const on: number[] = [];
for (let i = 0; i < N; i++) {
  off.push(await coldStartMs(false));
  on.push(await coldStartMs(true));
}
rapi.close();
isolation.cgroup?.dispose();
rmSync(runDir, { recursive: true, force: true });

const q = (xs: number[], f: number) =>
  [...xs].sort((a, b) => a - b)[Math.floor(f * (xs.length - 1))] ?? 0;
const row = (label: string, xs: number[]) =>
  `${label.padEnd(24)}${q(xs, 0).toFixed(1).padStart(8)}${q(xs, 0.5).toFixed(1).padStart(8)}${q(xs, 0.9).toFixed(1).padStart(8)}`;
console.log(
  `${''.padEnd(24)}${'min'.padStart(8)}${'median'.padStart(8)}${'p90'.padStart(8)}  (ms, N=${N}, load ${os.loadavg()[0]?.toFixed(2)})`,
);
console.log(row('internet access off', off));
console.log(row('internet access on', on));
console.log(
  row(
    'internet access adds',
    on.map((x, i) => x - (off[i] ?? 0)),
  ),
);
