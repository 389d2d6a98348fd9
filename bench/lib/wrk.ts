import { execFile } from 'node:child_process';
import { cpuBusyPct, cpuSnapshot } from './machine.js';

/** One wrk run's figures (wrk is closed-loop: latency includes queueing). */
export interface WrkResult {
  conns: number;
  requestsPerS: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  non2xx: number;
  socketErrors: string;
  /** Per-CPU busy % during the run (who saturated). */
  cpuBusyPct: Record<string, number>;
  cmd: string;
}

const toMs = (v: string, unit: string) =>
  Number(v) * ({ us: 0.001, ms: 1, s: 1000, m: 60_000 } as Record<string, number>)[unit]!;

/**
 * Runs `wrk -t1 -c<conns> -d<secs>s --latency` against `url`, pinned to `cpus` with
 * taskset, inside a `timeout` so it always ends; parsed as shared/bench/lib.mjs does.
 */
export function runWrk(
  url: string,
  conns: number,
  secs: number,
  cpus: string | null,
): Promise<WrkResult> {
  const wrk = [
    'timeout',
    String(secs + 20),
    'wrk',
    '-t1',
    `-c${conns}`,
    `-d${secs}s`,
    '--timeout',
    '5s',
    '--latency',
    url,
  ];
  const [file, args] = cpus ? ['taskset', ['-c', cpus, ...wrk]] : [wrk[0]!, wrk.slice(1)];
  const before = cpuSnapshot();
  return new Promise((resolve, reject) => {
    execFile(file, args, { encoding: 'utf8' }, (err, out) => {
      if (err) return reject(new Error(`wrk failed: ${err.message}`));
      const lat: Record<string, number> = {};
      for (const m of out.matchAll(/^\s+(50|99)%\s+([\d.]+)(us|ms|s|m)\s*$/gm)) {
        lat[m[1]!] = Math.round(toMs(m[2]!, m[3]!) * 1000) / 1000;
      }
      resolve({
        conns,
        requestsPerS: Math.round(Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? Number.NaN)),
        p50Ms: lat['50'] ?? Number.NaN,
        p99Ms: lat['99'] ?? Number.NaN,
        requests: Number(/(\d+) requests in/.exec(out)?.[1] ?? 0),
        non2xx: Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0),
        socketErrors: /Socket errors: (.*)/.exec(out)?.[1] ?? 'none',
        cpuBusyPct: cpuBusyPct(before, cpuSnapshot()),
        cmd: [file, ...args].join(' '),
      });
    });
  });
}
