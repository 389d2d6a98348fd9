import type { Metrics } from '../metrics/index.js';
import {
  invocationLog,
  type LogWriter,
  logTail,
  type RecordWriter,
} from '../observability/index.js';
import { MAX_RESPONSE_BYTES, type ResponseStreamSink } from '../runtime-api/index.js';
import { InitFailure, type InvokeOutcome, type Lease, type Scheduler } from '../scheduler/index.js';
import { type ArnContext, functionArn } from '../shared/arn.js';
import type { Clock } from '../shared/clock.js';
import { fail } from '../shared/error-codes.js';
import type { IdGenerator } from '../shared/ids.js';
import type { FunctionRecord, InvocationRecord, InvocationStartType } from '../store/types.js';
import type { InvocationTrace } from '../tracing/index.js';
import { newTraceId } from './trace.js';

/** Largest synchronous request payload (Lambda: 6 MB). */
export const MAX_SYNC_PAYLOAD_BYTES = 6 * 1024 * 1024;
const EMPTY_EVENT = Buffer.from('{}');

export interface InvokeRequest {
  /** The version that runs. */
  fn: FunctionRecord;
  /** The function's reserved concurrency (a function-level setting, from `$LATEST`). */
  reservedConcurrency: number | null;
  /** The qualifier the caller named, if any (it shows in the invoked ARN). */
  qualifier?: string;
  payload: Buffer;
  tail: boolean;
  /** Decoded client-context JSON text. */
  clientContext?: string;
  /** Request id to use (async events keep theirs across attempts); a new one otherwise. */
  requestId?: string;
  /** Who asked, for the invocation record (default `api`). */
  source?: string;
  /**
   * Whether the invoker writes this invocation's record itself (default true:
   * synchronous invocations). The async dispatcher writes its own.
   */
  writeRecord?: boolean;
  /**
   * Receives a streamed response as it arrives (HTTP gateway). Without it a streamed
   * response is buffered into `payload`, as the Invoke API does.
   */
  onStream?: ResponseStreamSink;
  /** The event's Content-Type for the runtime (default `application/json`). */
  contentType?: string;
  /** This invocation's spans (only when tracing is on). */
  trace?: InvocationTrace;
}

/** What one run took, for invocation records. */
export interface RunSummary {
  startedAtMs: number;
  endedAtMs: number;
  durationMs: number;
  billedDurationMs: number;
  initDurationMs: number | null;
  cold: boolean;
  /** How the instance that ran it came to serve (absent when no instance ran). */
  startType?: InvocationStartType;
  maxMemoryMb: number;
  errorType: string | null;
  errorMessage: string | null;
}

export interface InvokeResponse {
  requestId: string;
  payload: Buffer;
  contentType: string;
  /** `Unhandled` when the function failed. */
  functionError?: 'Unhandled';
  /** base64 of the last 4 KB of the log, when `tail` was asked. */
  logResult?: string;
  executedVersion: string;
  cold: boolean;
  run: RunSummary;
}

export interface InvokerDeps {
  scheduler: Scheduler;
  logs: LogWriter;
  records: RecordWriter;
  clock: Clock;
  ids: IdGenerator;
  arn: ArnContext;
  /** Counts each finished invocation (Prometheus and the per-minute aggregates). */
  metrics?: Pick<Metrics, 'invoked'>;
}

function errorJson(errorType: string, errorMessage: string): Buffer {
  return Buffer.from(JSON.stringify({ errorMessage, errorType }));
}

/** The pool an invocation of `fn` runs in: same function, version and revision. */
export function poolKeyOf(fn: FunctionRecord): string {
  return `${fn.name}:${fn.version}:${fn.revisionId}`;
}

/**
 * Runs synchronous invocations: admit, place on an instance (starting one when
 * needed), deliver through the Runtime API, map the outcome to Lambda's answer,
 * and hand the log to the background writer.
 */
export class Invoker {
  constructor(private readonly deps: InvokerDeps) {}

  async invoke(req: InvokeRequest): Promise<InvokeResponse> {
    const { fn } = req;
    if (req.payload.length > MAX_SYNC_PAYLOAD_BYTES) {
      throw fail(
        'RequestTooLargeException',
        `Request must be smaller than ${MAX_SYNC_PAYLOAD_BYTES} bytes for the InvokeFunction operation`,
      );
    }
    const requestId = req.requestId ?? this.deps.ids.uuid();
    const target = {
      poolKey: poolKeyOf(fn),
      functionName: fn.name,
      reservedConcurrency: req.reservedConcurrency,
      fn,
      qualifier: req.qualifier,
    };
    const placed = this.deps.scheduler.place(target, fn.timeoutS * 1000);
    // A promise only when the node's run slots were full and it waited for an instance.
    const lease: Lease = placed instanceof Promise ? await placed : placed;
    const { instance } = lease;
    const startedAtMs = this.deps.clock.now();
    let outcome: InvokeOutcome;
    let lines: { timestampMs: number; text: string }[] = [];
    let initLines: typeof lines = [];
    let durationMs = 0;
    let maxMemoryBytes = 0;
    let initDurationMs: number | undefined;
    try {
      if (lease.cold) {
        try {
          await instance.start();
          initDurationMs = instance.initDurationMs;
        } catch (e) {
          if (!(e instanceof InitFailure)) throw e;
          outcome = e.failure;
          initLines = e.lines;
          maxMemoryBytes = e.maxMemoryBytes;
          return await settled(
            this.finish(req, requestId, outcome, {
              initLines,
              lines,
              startedAtMs,
              durationMs: this.deps.clock.now() - startedAtMs,
              maxMemoryBytes,
              cold: true,
              startType: instance.startType,
            }),
          );
        }
        initLines = instance.initLines;
        instance.initLines = [];
      }
      const now = this.deps.clock.now();
      // Tracing on: the handler span's X-Ray header (and traceparent in the client context).
      const traced = req.trace?.started(requestId, now);
      const result = await instance.invoke(
        {
          requestId,
          payload: req.payload.length ? req.payload : EMPTY_EVENT,
          deadlineMs: now + fn.timeoutS * 1000,
          invokedFunctionArn: functionArn(this.deps.arn, fn.name, req.qualifier),
          traceId: traced ? traced.traceId : newTraceId(now, requestId),
          ...(req.clientContext ? { clientContext: req.clientContext } : {}),
          ...(traced?.clientContext ? { clientContext: traced.clientContext } : {}),
          ...(req.onStream ? { stream: req.onStream } : {}),
          ...(req.contentType ? { contentType: req.contentType } : {}),
        },
        fn.timeoutS * 1000,
      );
      outcome = result.outcome;
      lines = result.lines;
      durationMs = result.durationMs;
      maxMemoryBytes = result.maxMemoryBytes;
    } finally {
      this.deps.scheduler.release(target, instance);
    }
    const answer = this.finish(req, requestId, outcome, {
      initLines,
      lines,
      startedAtMs,
      durationMs,
      maxMemoryBytes,
      cold: lease.cold,
      startType: lease.cold || instance.startType === 'provisioned' ? instance.startType : 'warm',
      ...(initDurationMs !== undefined ? { initDurationMs } : {}),
      ...(lease.queuedMs ? { queuedMs: lease.queuedMs } : {}),
    });
    return settled(answer);
  }

  private finish(
    req: InvokeRequest,
    requestId: string,
    outcome: InvokeOutcome,
    run0: {
      initLines: { timestampMs: number; text: string }[];
      lines: { timestampMs: number; text: string }[];
      startedAtMs: number;
      durationMs: number;
      maxMemoryBytes: number;
      cold: boolean;
      startType: InvocationStartType;
      initDurationMs?: number;
      /** Time spent waiting for an instance (the node's run slots were full). */
      queuedMs?: number;
    },
  ): { response: InvokeResponse; durable?: Promise<void> } {
    const { fn } = req;
    let payload: Buffer;
    let contentType = 'application/json';
    let functionError: 'Unhandled' | undefined;
    let platformError: string | undefined;
    switch (outcome.kind) {
      case 'response':
        payload = outcome.body.length ? outcome.body : Buffer.from('null');
        contentType = outcome.contentType;
        break;
      case 'streamed':
        // Already sent to `req.onStream`.
        payload = Buffer.alloc(0);
        contentType = outcome.contentType;
        break;
      case 'error':
        payload = outcome.body;
        functionError = 'Unhandled';
        break;
      case 'too-large':
        payload = errorJson(
          'Function.ResponseSizeTooLarge',
          `Response payload size exceeded maximum allowed payload size (${MAX_RESPONSE_BYTES} bytes).`,
        );
        functionError = 'Unhandled';
        platformError = `RequestId: ${requestId} Error: Response payload size exceeded maximum allowed payload size (${MAX_RESPONSE_BYTES} bytes).`;
        break;
      case 'failure':
        payload = outcome.body ?? errorJson(outcome.errorType, outcome.errorMessage);
        functionError = 'Unhandled';
        platformError = outcome.body
          ? undefined
          : `${outcome.errorMessage}\n${outcome.errorType}`.replace('\n', ' ');
        break;
    }
    const events = invocationLog({
      functionName: fn.name,
      requestId,
      version: fn.version,
      initLines: run0.initLines,
      lines: run0.lines,
      ...(platformError ? { platformError } : {}),
      startedAtMs: run0.startedAtMs,
      endedAtMs: this.deps.clock.now(),
      durationMs: run0.durationMs,
      memoryMb: fn.memoryMb,
      maxMemoryBytes: run0.maxMemoryBytes,
      ...(run0.initDurationMs !== undefined ? { initDurationMs: run0.initDurationMs } : {}),
      startType: run0.startType,
      ...(run0.queuedMs !== undefined ? { queuedMs: run0.queuedMs } : {}),
    });
    this.deps.logs.write(events);
    const endedAtMs = this.deps.clock.now();
    const { errorType, errorMessage } = functionError
      ? errorOf(payload)
      : { errorType: null, errorMessage: null };
    const run: RunSummary = {
      startedAtMs: run0.startedAtMs,
      endedAtMs,
      durationMs: run0.durationMs,
      billedDurationMs: Math.max(1, Math.ceil(run0.durationMs)),
      initDurationMs: run0.initDurationMs ?? null,
      cold: run0.cold,
      startType: run0.startType,
      maxMemoryMb: Math.round(run0.maxMemoryBytes / (1024 * 1024)),
      errorType,
      errorMessage,
    };
    this.deps.metrics?.invoked(req, run);
    req.trace?.finished(requestId, fn, run, run0.queuedMs);
    let durable: Promise<void> | undefined;
    if (req.writeRecord !== false) {
      const record: InvocationRecord = {
        requestId,
        functionName: fn.name,
        version: fn.version,
        qualifier: req.qualifier ?? null,
        invocationType: 'RequestResponse',
        source: req.source ?? 'api',
        status: functionError ? 'failed' : 'succeeded',
        attempts: 1,
        createdAtMs: run0.startedAtMs,
        queuedAtMs: null,
        ...runFields(run),
      };
      if (functionError) durable = this.deps.records.writeNow([record]);
      else this.deps.records.write([record]);
    }
    const response: InvokeResponse = {
      requestId,
      payload,
      contentType,
      ...(functionError ? { functionError } : {}),
      ...(req.tail ? { logResult: logTail(events) } : {}),
      executedVersion: fn.version,
      cold: run0.cold,
      run,
    };
    return durable ? { response, durable } : { response };
  }
}

/**
 * The answer once what must be durable is: a failed invocation's record is stored before
 * its answer leaves (a crash must not lose it); a success's goes with the next batch.
 */
async function settled(a: { response: InvokeResponse; durable?: Promise<void> }) {
  if (a.durable) await a.durable;
  return a.response;
}

/** errorType / errorMessage of a function error payload (runtime JSON or the platform's). */
export function errorOf(payload: Buffer): {
  errorType: string | null;
  errorMessage: string | null;
} {
  try {
    const e = JSON.parse(payload.toString('utf8')) as {
      errorType?: unknown;
      errorMessage?: unknown;
    };
    return {
      errorType: typeof e.errorType === 'string' ? e.errorType : 'Unhandled',
      errorMessage: typeof e.errorMessage === 'string' ? e.errorMessage.slice(0, 4096) : null,
    };
  } catch {
    return { errorType: 'Unhandled', errorMessage: payload.toString('utf8').slice(0, 4096) };
  }
}

/** The record fields a run fills in. */
export function runFields(run: RunSummary) {
  return {
    startedAtMs: run.startedAtMs,
    endedAtMs: run.endedAtMs,
    initDurationMs: run.initDurationMs,
    durationMs: run.durationMs,
    billedDurationMs: run.billedDurationMs,
    cold: run.cold,
    startType: run.startType ?? null,
    maxMemoryMb: run.maxMemoryMb,
    errorType: run.errorType,
    errorMessage: run.errorMessage,
  };
}
