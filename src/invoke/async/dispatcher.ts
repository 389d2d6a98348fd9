import { type AliasService, type FunctionRegistry, resolveTarget } from '../../functions/index.js';
import type { Metrics } from '../../metrics/index.js';
import { type ArnContext, functionArn } from '../../shared/arn.js';
import type { Clock } from '../../shared/clock.js';
import { isNimbusError } from '../../shared/errors.js';
import type { AsyncEvent, EventInvokeConfig, InvocationRecord, Store } from '../../store/types.js';
import type { Tracing } from '../../tracing/index.js';
import { errorOf, type InvokeResponse, type Invoker, runFields } from '../invoker.js';
import { retryDelayMs, throttleDelayMs } from './backoff.js';
import { eventRecord } from './record.js';
import type { AsyncEnqueuer } from './types.js';

export interface DispatcherOptions {
  store: Store;
  invoker: Invoker;
  registry: FunctionRegistry;
  aliases: AliasService;
  clock: Clock;
  arn: ArnContext;
  /** Where destinations are sent (the async queue itself). */
  enqueuer: () => AsyncEnqueuer;
  /** Sends a destination record to a built-in SQS queue by ARN (destinations to queues). */
  sendToQueue?: (queueArn: string, body: string) => Promise<void>;
  /** Most events in delivery at once (the account concurrency). */
  maxInFlight: number;
  /** Instances a function has now (warm or starting): deliveries ramp up one new instance at a time. */
  instanceCount(functionName: string): number;
  /** First retry delay; later ones double. */
  retryBaseMs: number;
  random?: () => number;
  /** Counts retries and dead letters. */
  metrics?: Pick<Metrics, 'asyncRetry' | 'deadLettered'>;
  /** A span per delivery attempt, continuing the enqueuer's trace (tracing on only). */
  tracing?: Pick<Tracing, 'asyncDelivery'> | undefined;
}

const DEFAULT_RETRIES = 2;
const DEFAULT_MAX_AGE_S = 21600;
/** Lease beyond the function timeout: init (up to 10 s) plus a margin. */
const LEASE_MARGIN_MS = 15_000;

/**
 * Delivers queued Event invocations at least once: claims due events with a
 * lease tied to the function timeout, invokes them through the same pipeline
 * as synchronous calls (so reserved and account concurrency hold), and applies
 * retries with backoff, the maximum event age, destinations and the
 * dead-letter list. Throttled events wait; they are never dropped.
 */
export class AsyncDispatcher {
  private inFlight = 0;
  private readonly inFlightByFunction = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private draining: Promise<void> | null = null;
  private readonly active = new Set<Promise<void>>();
  private stopped = false;
  /** The last claim found due events, all of functions at their delivery limit. */
  private blocked = false;

  constructor(private readonly opts: DispatcherOptions) {}

  /** Starts delivering in the background. */
  start(): void {
    this.running = true;
    this.kick();
  }

  /** Stops taking new events and waits (bounded) for deliveries in progress. */
  async stop(maxWaitMs = 5000): Promise<void> {
    this.stopped = true;
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    await Promise.race([Promise.all(this.active), new Promise((r) => setTimeout(r, maxWaitMs))]);
  }

  /**
   * Something new may be due: look now. An event just enqueued for a function that is
   * already at its delivery limit changes nothing while the last look found only such
   * events: its deliveries' completions look again.
   */
  kick(functionName?: string): void {
    if (!this.running || this.draining) return;
    if (functionName !== undefined && this.blocked && this.saturated(functionName, 0)) return;
    this.draining = this.drain().finally(() => {
      this.draining = null;
    });
  }

  /** Delivers every event due now and waits for them (tests drive time with this). */
  async runDue(): Promise<number> {
    let n = 0;
    for (;;) {
      const claimed = await this.claim(this.opts.maxInFlight);
      if (claimed.length === 0) break;
      n += claimed.length;
      await Promise.all(claimed.map((ev) => this.track(ev)));
    }
    return n;
  }

  private async claim(limit: number): Promise<AsyncEvent[]> {
    if (limit <= 0 || this.stopped) return [];
    const now = this.opts.clock.now();
    // Per function, deliver to the instances it has plus one more starting: a flood warms
    // instances one at a time instead of cold-starting the whole concurrency limit at once.
    const taken = new Map<string, number>();
    let refused = 0;
    const accept = (fn: string) => {
      if (this.saturated(fn, taken.get(fn) ?? 0)) {
        refused++;
        return false;
      }
      taken.set(fn, (taken.get(fn) ?? 0) + 1);
      return true;
    };
    // A short lease: handle() extends it to the function's timeout at once. If this
    // process dies first, the event is due again within the margin.
    const claimed = await this.opts.store.asyncEvents.claimDue(
      now,
      limit,
      now + LEASE_MARGIN_MS,
      accept,
    );
    this.blocked = claimed.length === 0 && refused > 0;
    return claimed;
  }

  /** Whether `fn` has as many deliveries as its instances plus one starting (`more` to come). */
  private saturated(fn: string, more: number): boolean {
    const busy = (this.inFlightByFunction.get(fn) ?? 0) + more;
    return busy >= this.opts.instanceCount(fn) + 1;
  }

  private track(ev: AsyncEvent): Promise<void> {
    this.inFlight++;
    this.inFlightByFunction.set(
      ev.functionName,
      (this.inFlightByFunction.get(ev.functionName) ?? 0) + 1,
    );
    const p = this.handle(ev)
      .catch((e: unknown) =>
        console.error(`nimbus: async delivery of ${ev.requestId} failed unexpectedly:`, e),
      )
      .finally(() => {
        this.inFlight--;
        const n = (this.inFlightByFunction.get(ev.functionName) ?? 1) - 1;
        if (n <= 0) this.inFlightByFunction.delete(ev.functionName);
        else this.inFlightByFunction.set(ev.functionName, n);
        this.active.delete(p);
        this.kick();
      });
    this.active.add(p);
    return p;
  }

  private async drain(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    for (;;) {
      const limit = this.opts.maxInFlight - this.inFlight;
      const claimed = await this.claim(limit);
      for (const ev of claimed) void this.track(ev);
      // Fewer than asked: nothing more is due that may go now.
      if (claimed.length < limit || claimed.length === 0) break;
    }
    if (!this.running) return;
    const next = await this.opts.store.asyncEvents.nextDueAtMs();
    // Blocked on delivery limits, completions kick: no need to poll what is due already.
    const dueIn = next === null ? 1000 : next - this.opts.clock.now();
    const waitMs = this.blocked && dueIn <= 0 ? 1000 : Math.min(1000, Math.max(5, dueIn));
    this.timer = setTimeout(() => this.kick(), waitMs);
    this.timer.unref();
  }

  private async configFor(ev: AsyncEvent): Promise<EventInvokeConfig | undefined> {
    return this.opts.store.eventConfigs.get(ev.functionName, ev.qualifier ?? '$LATEST');
  }

  private record(
    ev: AsyncEvent,
    version: string,
    patch: Partial<InvocationRecord>,
  ): InvocationRecord {
    return eventRecord(
      {
        requestId: ev.requestId,
        functionName: ev.functionName,
        version,
        qualifier: ev.qualifier,
        source: ev.source,
        status: 'queued',
        attempts: ev.attempts,
        createdAtMs: ev.enqueuedAtMs,
      },
      { errorType: ev.lastErrorType, errorMessage: ev.lastErrorMessage, ...patch },
    );
  }

  private async handle(ev: AsyncEvent): Promise<void> {
    const { store, clock } = this.opts;
    const cfg = await this.configFor(ev);
    const maxRetries = cfg?.maximumRetryAttempts ?? DEFAULT_RETRIES;
    const maxAgeMs = (cfg?.maximumEventAgeInSeconds ?? DEFAULT_MAX_AGE_S) * 1000;
    let target: Awaited<ReturnType<typeof resolveTarget>>;
    try {
      target = await resolveTarget(
        this.opts.registry,
        this.opts.aliases,
        ev.functionName,
        ev.qualifier ?? undefined,
      );
    } catch (e) {
      // The function (or qualifier) is gone: nothing can ever run this event.
      const msg = e instanceof Error ? e.message : String(e);
      await this.finishFailed(
        ev,
        '$LATEST',
        cfg,
        'RetriesExhausted',
        'ResourceNotFoundException',
        msg,
        null,
      );
      return;
    }
    const { fn, latest } = target;
    if (clock.now() - ev.enqueuedAtMs > maxAgeMs) {
      await this.finishFailed(
        ev,
        fn.version,
        cfg,
        'EventAgeExceeded',
        ev.lastErrorType,
        ev.lastErrorMessage,
        null,
      );
      return;
    }
    const leaseUntil = clock.now() + fn.timeoutS * 1000 + LEASE_MARGIN_MS;
    const running: AsyncEvent = {
      ...ev,
      leaseUntilMs: leaseUntil,
      nextAttemptAtMs: leaseUntil,
      status: 'running',
    };
    await store.asyncEvents.reschedule(running);
    await this.record(running, fn.version, {
      status: 'running',
      attempts: ev.attempts + 1,
      startedAtMs: clock.now(),
    });
    let res: InvokeResponse;
    const trace = this.opts.tracing?.asyncDelivery(ev);
    try {
      res = await this.opts.invoker.invoke({
        fn,
        reservedConcurrency: latest.reservedConcurrency,
        ...(ev.qualifier ? { qualifier: ev.qualifier } : {}),
        payload: ev.payload,
        tail: false,
        requestId: ev.requestId,
        source: ev.source,
        writeRecord: false,
        ...(trace ? { trace } : {}),
      });
    } catch (e) {
      trace?.failed(e);
      if (isNimbusError(e) && e.code === 'TooManyRequestsException') {
        // Throttled: the event waits its turn; this was not an attempt.
        const waiting: AsyncEvent = {
          ...ev,
          status: ev.attempts ? 'retrying' : 'queued',
          leaseUntilMs: null,
          nextAttemptAtMs: clock.now() + throttleDelayMs(this.opts.random),
        };
        await store.asyncEvents.reschedule(
          waiting,
          this.record(waiting, fn.version, { status: waiting.status }),
        );
        return;
      }
      res = {
        requestId: ev.requestId,
        payload: Buffer.from(
          JSON.stringify({ errorType: 'ServiceException', errorMessage: (e as Error).message }),
        ),
        contentType: 'application/json',
        functionError: 'Unhandled',
        executedVersion: fn.version,
        cold: false,
        run: {
          startedAtMs: clock.now(),
          endedAtMs: clock.now(),
          durationMs: 0,
          billedDurationMs: 0,
          initDurationMs: null,
          cold: false,
          maxMemoryMb: 0,
          errorType: 'ServiceException',
          errorMessage: (e as Error).message,
        },
      };
    }
    const attempts = ev.attempts + 1;
    const done: AsyncEvent = { ...ev, attempts };
    if (!res.functionError) {
      await store.asyncEvents.complete(
        ev.requestId,
        this.record(done, fn.version, { status: 'succeeded', attempts, ...runFields(res.run) }),
      );
      await this.destination(cfg?.onSuccess ?? null, done, fn.version, 'Success', res);
      return;
    }
    const { errorType, errorMessage } = errorOf(res.payload);
    const delay = retryDelayMs(attempts, this.opts.retryBaseMs, this.opts.random);
    if (attempts <= maxRetries && clock.now() + delay - ev.enqueuedAtMs <= maxAgeMs) {
      const retry: AsyncEvent = {
        ...done,
        status: 'retrying',
        leaseUntilMs: null,
        nextAttemptAtMs: clock.now() + delay,
        lastErrorType: errorType,
        lastErrorMessage: errorMessage,
      };
      await store.asyncEvents.reschedule(
        retry,
        this.record(retry, fn.version, { status: 'retrying', attempts, ...runFields(res.run) }),
      );
      this.opts.metrics?.asyncRetry(ev.functionName, ev.qualifier);
      return;
    }
    const reason = attempts <= maxRetries ? 'EventAgeExceeded' : 'RetriesExhausted';
    await this.finishFailed(done, fn.version, cfg, reason, errorType, errorMessage, res);
  }

  /** The event failed for good: dead-letter it, record it, tell the OnFailure destination. */
  private async finishFailed(
    ev: AsyncEvent,
    version: string,
    cfg: EventInvokeConfig | undefined,
    reason: 'RetriesExhausted' | 'EventAgeExceeded',
    errorType: string | null,
    errorMessage: string | null,
    res: InvokeResponse | null,
  ): Promise<void> {
    const now = this.opts.clock.now();
    await this.opts.store.asyncEvents.deadLetter(
      {
        requestId: ev.requestId,
        functionName: ev.functionName,
        qualifier: ev.qualifier,
        payload: ev.payload,
        source: ev.source,
        attempts: ev.attempts,
        reason,
        errorType,
        errorMessage,
        enqueuedAtMs: ev.enqueuedAtMs,
        deadAtMs: now,
      },
      this.record(ev, version, {
        status: 'dead-lettered',
        ...(res ? runFields(res.run) : { endedAtMs: now }),
        errorType: errorType ?? reason,
        errorMessage:
          errorMessage ??
          (reason === 'EventAgeExceeded'
            ? 'the event was older than MaximumEventAgeInSeconds'
            : null),
      }),
    );
    this.opts.metrics?.deadLettered(ev.functionName, ev.qualifier, reason);
    await this.destination(cfg?.onFailure ?? null, ev, version, reason, res);
  }

  /** Sends Lambda's invocation-record payload to a destination: a function (asynchronously) or a queue. */
  private async destination(
    arn: string | null,
    ev: AsyncEvent,
    version: string,
    condition: string,
    res: InvokeResponse | null,
  ): Promise<void> {
    if (!arn) return;
    const payload = {
      version: '1.0',
      timestamp: new Date(this.opts.clock.now()).toISOString(),
      requestContext: {
        requestId: ev.requestId,
        functionArn: functionArn(this.opts.arn, ev.functionName, ev.qualifier ?? '$LATEST'),
        condition,
        approximateInvokeCount: ev.attempts,
      },
      requestPayload: parseOrText(ev.payload),
      responseContext: {
        statusCode: 200,
        executedVersion: version,
        ...(res?.functionError ? { functionError: res.functionError } : {}),
      },
      ...(res ? { responsePayload: parseOrText(res.payload) } : {}),
    };
    const name = arn.split(':function:')[1]?.split(':')[0];
    const qualifier = arn.split(':function:')[1]?.split(':')[1];
    try {
      if (/^arn:aws[a-zA-Z-]*:sqs:/.test(arn)) {
        await this.opts.sendToQueue?.(arn, JSON.stringify(payload));
        return;
      }
      if (!name) return;
      await this.opts.enqueuer().enqueue({
        functionName: name,
        ...(qualifier ? { qualifier } : {}),
        payload: Buffer.from(JSON.stringify(payload)),
        source: `destination:${ev.functionName}`,
        // Tracing on: the destination's delivery joins the trace of the event that caused it.
        ...(ev.traceParent ? { traceParent: ev.traceParent } : {}),
      });
    } catch (e) {
      console.error(
        `nimbus: destination ${arn} for ${ev.requestId} could not be reached: ${(e as Error).message}`,
      );
    }
  }
}

function parseOrText(buf: Buffer): unknown {
  const text = buf.toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
