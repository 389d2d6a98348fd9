import { keepAliveAgent, type LoadResult, runLoad } from './http-load.js';
import { invokePath, invokeWithTail } from './lambda-api.js';
import { instanceStats } from './nimbus-server.js';
import { descendantsCpuMs, processCpuMs, selfCpuMs } from './proc-cpu.js';
import { type Summary, summarize } from './stats.js';

export interface WarmLevel {
  concurrency: number;
  nimbus: LoadResult;
  /** The plain node:http hello server, same client, same concurrency. */
  nodeHttp: LoadResult;
  /** /health instance counts after the level (grows if the window saw cold starts). */
  instancesAfter: Record<string, number>;
}

/** Where a warm Invoke's time goes, from sequential invokes with `X-Amz-Log-Type: Tail`. */
export interface WarmBreakdown {
  /** Client-side Invoke latency. */
  invokeMs: Summary;
  /** REPORT `Duration`: delivery to the runtime → its answer and end marker. */
  reportDurationMs: Summary;
  /** Time inside the handler, as the hello function measured it. */
  handlerMs: Summary;
}

export interface WarmOptions {
  port: number;
  serverPid: number;
  functionName: string;
  nodeHelloPort: number;
  nodeHelloPid: number;
  concurrencies: number[];
  durationMs: number;
  warmupMs: number;
  /**
   * Before the first level, each server gets up to this many requests (or
   * `jitWarmupMaxMs`), so V8 has optimised the hot path: Nimbus's server
   * spends about twice the CPU per Invoke for its first few thousand.
   */
  jitWarmupRequests: number;
  jitWarmupMaxMs: number;
  breakdownSamples: number;
}

const BODY = Buffer.from('{}');
const HEADERS = { 'content-type': 'application/json' };

/**
 * Warm Invoke latency and throughput at each concurrency, each level measured
 * right before the node:http reference at the same concurrency (drift hits
 * both alike), plus a sequential Tail sample that splits the latency.
 */
export async function measureWarm(
  o: WarmOptions,
): Promise<{ levels: WarmLevel[]; breakdown: WarmBreakdown }> {
  const levels: WarmLevel[] = [];
  for (const [i, concurrency] of o.concurrencies.entries()) {
    const common = { method: 'POST' as const, headers: HEADERS, body: BODY, concurrency };
    const timing =
      i === 0
        ? {
            durationMs: o.durationMs,
            warmupMs: Math.max(o.warmupMs, o.jitWarmupMaxMs),
            warmupRequests: o.jitWarmupRequests,
          }
        : { durationMs: o.durationMs, warmupMs: o.warmupMs };
    const nimbus = await runLoad({
      port: o.port,
      path: invokePath(o.functionName),
      ...common,
      ...timing,
      cpuProbe: () => ({
        server: processCpuMs(o.serverPid),
        instances: descendantsCpuMs(o.serverPid),
        client: selfCpuMs(),
      }),
    });
    const instancesAfter = await instanceStats(o.port);
    const nodeHttp = await runLoad({
      port: o.nodeHelloPort,
      path: '/',
      ...common,
      ...timing,
      cpuProbe: () => ({ server: processCpuMs(o.nodeHelloPid), client: selfCpuMs() }),
    });
    levels.push({ concurrency, nimbus, nodeHttp, instancesAfter });
  }
  const agent = keepAliveAgent(1);
  const invokeMs: number[] = [];
  const reportDurationMs: number[] = [];
  const handlerMs: number[] = [];
  try {
    for (let i = 0; i < o.breakdownSamples; i++) {
      const r = await invokeWithTail(o.port, o.functionName, agent);
      invokeMs.push(r.elapsedMs);
      if (r.report) reportDurationMs.push(r.report.durationMs);
      if (r.handlerMs !== null) handlerMs.push(r.handlerMs);
    }
  } finally {
    agent.destroy();
  }
  return {
    levels,
    breakdown: {
      invokeMs: summarize(invokeMs),
      reportDurationMs: summarize(reportDurationMs),
      handlerMs: summarize(handlerMs),
    },
  };
}
