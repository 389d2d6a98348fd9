import { keepAliveAgent } from './http-load.js';
import { invokeWithTail, updateEnvironment } from './lambda-api.js';
import { descendantPids, processCpuPreciseMs, reapedChildrenCpuMs } from './proc-cpu.js';
import { childEnv, sleep, timeSpawnExit } from './processes.js';
import { round, type Summary, summarize } from './stats.js';

export interface ColdStartOptions {
  port: number;
  serverPid: number;
  functionName: string;
  iterations: number;
  /** Untimed iterations first (page cache, first-time code paths). */
  warmupIterations: number;
  /** Pause after the update, so the retired instance's teardown is not measured. */
  settleMs: number;
}

export interface ColdStartSample {
  invokeMs: number;
  initDurationMs: number | null;
  nodeSpawnExitMs: number;
  /** CPU of the new instance's processes (init and first invocation). */
  instanceCpuMs: number;
  /** CPU of the server while it handled the cold Invoke. */
  serverCpuMs: number;
}

export interface ColdStartResult {
  iterations: number;
  /** Client-side time of an Invoke that found no warm instance. */
  invokeMs: Summary;
  /** `Init Duration` from the REPORT line (spawn → runtime's first /next). */
  initDurationMs: Summary;
  /** Invoke minus Init Duration, per sample: the API, placement and the first invocation. */
  invokeMinusInitMs: Summary;
  /** Reference: `node -e 0` spawn → exit, interleaved with the invokes. */
  nodeSpawnExitMs: Summary;
  /**
   * Mean CPU ms per cold start, which other work on the machine barely moves
   * (wall times do): instance processes, server, and `node -e 0` for reference.
   */
  meanCpuMs: { instance: number; server: number; nodeSpawnExit: number };
  /** Invokes whose REPORT had no Init Duration (they were not cold: a bug in the method). */
  notCold: number;
  samples: ColdStartSample[];
}

/**
 * Cold starts, each forced by UpdateFunctionConfiguration (every revision gets
 * new instances), interleaved with a bare `node -e 0` spawn → exit so both see
 * the same machine conditions. Invokes use one keep-alive connection, so no
 * TCP handshake is counted.
 */
export async function measureColdStarts(o: ColdStartOptions): Promise<ColdStartResult> {
  const agent = keepAliveAgent(1);
  const env = childEnv();
  const samples: ColdStartSample[] = [];
  let nodeCpuTotalMs = 0;
  let notCold = 0;
  try {
    for (let i = 0; i < o.warmupIterations + o.iterations; i++) {
      const reaped0 = reapedChildrenCpuMs();
      const nodeSpawnExitMs = await timeSpawnExit(process.execPath, ['-e', '0'], env);
      const nodeCpuMs = reapedChildrenCpuMs() - reaped0;
      await updateEnvironment(o.port, o.functionName, { BENCH_ITERATION: String(i) }, agent);
      await sleep(o.settleMs);
      const before = new Set(descendantPids(o.serverPid));
      const server0 = processCpuPreciseMs(o.serverPid);
      const inv = await invokeWithTail(o.port, o.functionName, agent);
      const serverCpuMs = processCpuPreciseMs(o.serverPid) - server0;
      const instanceCpuMs = descendantPids(o.serverPid)
        .filter((p) => !before.has(p))
        .reduce((ms, p) => ms + processCpuPreciseMs(p), 0);
      if (i < o.warmupIterations) continue;
      nodeCpuTotalMs += nodeCpuMs;
      const initDurationMs = inv.report?.initDurationMs ?? null;
      if (initDurationMs === null) notCold++;
      samples.push({
        invokeMs: round(inv.elapsedMs),
        initDurationMs,
        nodeSpawnExitMs: round(nodeSpawnExitMs),
        instanceCpuMs: round(instanceCpuMs),
        serverCpuMs: round(serverCpuMs),
      });
    }
  } finally {
    agent.destroy();
  }
  const mean = (xs: number[]) => round(xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length), 1);
  return {
    iterations: o.iterations,
    invokeMs: summarize(samples.map((s) => s.invokeMs)),
    initDurationMs: summarize(
      samples.flatMap((s) => (s.initDurationMs === null ? [] : [s.initDurationMs])),
    ),
    invokeMinusInitMs: summarize(
      samples.flatMap((s) => (s.initDurationMs === null ? [] : [s.invokeMs - s.initDurationMs])),
    ),
    nodeSpawnExitMs: summarize(samples.map((s) => s.nodeSpawnExitMs)),
    meanCpuMs: {
      instance: mean(samples.map((s) => s.instanceCpuMs)),
      server: mean(samples.map((s) => s.serverCpuMs)),
      nodeSpawnExit: round(nodeCpuTotalMs / Math.max(1, samples.length), 1),
    },
    notCold,
    samples,
  };
}
