import { keepAliveAgent } from './http-load.js';
import { apiCall, invokeWithTail, publishVersion, updateEnvironment } from './lambda-api.js';
import { sleep } from './processes.js';
import { round, type Summary, summarize } from './stats.js';

export interface ProvisionedResult {
  iterations: number;
  /** Client-side time of the first Invoke of a version whose provisioned instance is READY. */
  invokeMs: Summary;
  /** PutProvisionedConcurrencyConfig → Status READY, as polled. */
  readyMs: Summary;
  /** Invokes whose REPORT had an Init Duration (they were cold after all). */
  withInit: number;
}

const pcPath = (name: string, version: string) =>
  `/2019-09-30/functions/${encodeURIComponent(name)}/provisioned-concurrency?Qualifier=${version}`;

/**
 * Provisioned concurrency's "cold start": per iteration a new version (a changed
 * environment, published), one provisioned instance of it (PUT, polled until READY), then
 * its first Invoke, then the configuration is deleted. Resolves `{ unavailable }` when the
 * server does not know the API (404 / UnknownOperation).
 */
export async function measureProvisioned(o: {
  port: number;
  functionName: string;
  iterations: number;
  warmupIterations: number;
  readyTimeoutMs: number;
}): Promise<ProvisionedResult | { unavailable: string }> {
  const agent = keepAliveAgent(1);
  const invokeMs: number[] = [];
  const readyMs: number[] = [];
  let withInit = 0;
  try {
    for (let i = 0; i < o.warmupIterations + o.iterations; i++) {
      await updateEnvironment(o.port, o.functionName, { BENCH_PROVISIONED: String(i) }, false);
      const version = await publishVersion(o.port, o.functionName);
      const path = pcPath(o.functionName, version);
      const t0 = performance.now();
      const put = await apiCall(o.port, 'PUT', path, { ProvisionedConcurrentExecutions: 1 });
      if (put.status === 404 || /UnknownOperation/.test(put.text)) {
        return {
          unavailable: `unavailable (server answered ${put.status} to PutProvisionedConcurrencyConfig)`,
        };
      }
      if (put.status >= 300)
        throw new Error(`PutProvisionedConcurrencyConfig: ${put.status} ${put.text}`);
      let ready = performance.now();
      for (let status = String(put.json?.Status); status !== 'READY'; ) {
        if (status === 'FAILED') throw new Error(`provisioned concurrency FAILED: ${put.text}`);
        if (performance.now() - t0 > o.readyTimeoutMs) {
          throw new Error(`provisioned concurrency not READY within ${o.readyTimeoutMs} ms`);
        }
        await sleep(10);
        const get = await apiCall(o.port, 'GET', path);
        status = String(get.json?.Status);
        ready = performance.now();
      }
      // Let the instance settle into the pool, as traffic would find it.
      await sleep(50);
      const inv = await invokeWithTail(o.port, o.functionName, agent, version);
      await apiCall(o.port, 'DELETE', path);
      if (i < o.warmupIterations) continue;
      invokeMs.push(round(inv.elapsedMs));
      readyMs.push(round(ready - t0));
      if (inv.report?.initDurationMs != null) withInit++;
    }
  } finally {
    agent.destroy();
  }
  return {
    iterations: o.iterations,
    invokeMs: summarize(invokeMs),
    readyMs: summarize(readyMs),
    withInit,
  };
}
