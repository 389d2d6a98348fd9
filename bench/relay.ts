// `node --import tsx bench/relay.ts`: what the Runtime API relay of custom runtimes adds to
// a cold start. Starts the same sandbox (bubblewrap, as an instance gets it) N times with
// `/bin/true`, and N times with runtimes/provided/relay.sh in front of it (socat up and
// listening on 127.0.0.1:9001, then exec), interleaved; prints min / median / p90 of both
// and of the difference. Env: N=40.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { detectIsolation, findRelay } from '../src/sandbox/index.js';
import { bwrapArgs } from '../src/sandbox/launch.js';
import { RUNTIMES_DIR } from '../src/scheduler/index.js';

const N = Number(process.env.N ?? 40);
const isolation = detectIsolation('auto');
const relay = findRelay();
if (isolation.kind !== 'bwrap' || !relay) {
  console.error('needs bubblewrap and socat (apt-get install bubblewrap socat)');
  process.exit(1);
}
const scratch = mkdtempSync(path.join(os.tmpdir(), 'nimbus-relay-bench-'));
const args = bwrapArgs({
  instanceId: 'bench',
  codeDir: scratch,
  runtimeDir: path.join(RUNTIMES_DIR, 'provided'),
  socketDir: scratch,
  socketName: 'runtime.sock',
  optDir: null,
  argv: [],
  env: {},
  tmpSizeMb: 8,
  cgroup: null,
});
const env = { NIMBUS_RUNTIME_SOCKET: '/run/nimbus/runtime.sock', PATH: '/usr/bin:/bin' };

function timeMs(argv: string[]): number {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(isolation.bwrapPath, [...args, ...argv], { env, stdio: 'ignore' });
  if (r.status !== 0) throw new Error(`${argv.join(' ')} exited with ${r.status}`);
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

const plain: number[] = [];
const relayed: number[] = [];
for (let i = 0; i < N; i++) {
  plain.push(timeMs(['/bin/true']));
  relayed.push(timeMs(['/bin/sh', '/var/runtime/relay.sh', relay, '/bin/true']));
}
rmSync(scratch, { recursive: true, force: true });

const q = (xs: number[], f: number) =>
  [...xs].sort((a, b) => a - b)[Math.floor(f * (xs.length - 1))] ?? 0;
const row = (label: string, xs: number[]) =>
  `${label.padEnd(22)}${q(xs, 0).toFixed(1).padStart(8)}${q(xs, 0.5).toFixed(1).padStart(8)}${q(xs, 0.9).toFixed(1).padStart(8)}`;
console.log(
  `${''.padEnd(22)}${'min'.padStart(8)}${'median'.padStart(8)}${'p90'.padStart(8)}  (ms, N=${N}, load ${os.loadavg()[0]?.toFixed(2)})`,
);
console.log(row('sandbox + /bin/true', plain));
console.log(row('sandbox + relay + true', relayed));
console.log(
  row(
    'relay adds',
    relayed.map((r, i) => r - (plain[i] ?? 0)),
  ),
);
