import { fail } from '../shared/error-codes.js';
import type { PoolTarget } from './scheduler.js';

/** The limits admission enforces, and who hears of a throttle. */
export interface AdmissionLimits {
  /** Concurrent invocations across all functions. */
  maxConcurrency: number;
  /** Concurrent invocations per function when it has no reserved concurrency. */
  functionMaxConcurrency: number;
  /** Told of each invocation refused by the concurrency limits (metrics). */
  onThrottle?: (target: PoolTarget) => void;
}

/**
 * Lambda's concurrency accounting: invocations in flight per function and in all, against
 * reserved concurrency and the account limit (less what other functions reserve). An
 * invocation is counted from admission (waiting for an instance included) to release.
 */
export class Admission {
  private readonly busyByFunction = new Map<string, number>();
  busyTotal = 0;
  private busyUnreserved = 0;
  /** Sum of all functions' reserved concurrency: capacity other functions may not use. */
  reservedTotal = 0;

  constructor(private readonly limits: AdmissionLimits) {}

  /** Counts the invocation against the limits or throws TooManyRequestsException. */
  admit(target: PoolTarget): void {
    const busy = this.busyByFunction.get(target.functionName) ?? 0;
    const reserved = target.reservedConcurrency;
    let refused: ReturnType<typeof throttled> | null = null;
    if (reserved !== null) {
      if (busy >= reserved)
        refused = throttled('ReservedFunctionConcurrentInvocationLimitExceeded');
    } else if (
      busy >= this.limits.functionMaxConcurrency ||
      this.busyUnreserved >= this.limits.maxConcurrency - this.reservedTotal
    ) {
      refused = throttled('ConcurrentInvocationLimitExceeded');
    }
    if (refused) {
      this.limits.onThrottle?.(target);
      throw refused;
    }
    this.busyByFunction.set(target.functionName, busy + 1);
    this.busyTotal++;
    if (reserved === null) this.busyUnreserved++;
  }

  unadmit(target: PoolTarget): void {
    const busy = (this.busyByFunction.get(target.functionName) ?? 1) - 1;
    if (busy <= 0) this.busyByFunction.delete(target.functionName);
    else this.busyByFunction.set(target.functionName, busy);
    this.busyTotal--;
    if (target.reservedConcurrency === null) this.busyUnreserved--;
  }
}

function throttled(
  reason: 'ReservedFunctionConcurrentInvocationLimitExceeded' | 'ConcurrentInvocationLimitExceeded',
) {
  return fail('TooManyRequestsException', 'Rate Exceeded.', {
    headers: { 'Retry-After': '1' },
    fields: { Reason: reason },
  });
}
