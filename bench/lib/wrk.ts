import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
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
 * `script`: a wrk Lua script (e.g. one that makes the requests POSTs).
 */
export function runWrk(
  url: string,
  conns: number,
  secs: number,
  cpus: string | null,
  script?: string,
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
    ...(script ? ['-s', script] : []),
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

/** Runs `fn` with a wrk Lua script that makes every request a `POST` of `{}` (JSON). */
export async function withPostScript<T>(fn: (script: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'nimbus-bench-lua-'));
  const script = path.join(dir, 'post.lua');
  writeFileSync(
    script,
    'wrk.method = "POST"\nwrk.body = "{}"\nwrk.headers["Content-Type"] = "application/json"\n',
  );
  try {
    return await fn(script);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
