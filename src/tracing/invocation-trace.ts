import {
  type Context,
  type Link,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
} from '@opentelemetry/api';
import { type ArnContext, functionArn } from '../shared/arn.js';
import { ATTR, type FaasTrigger, NIMBUS_ATTR } from './attributes.js';
import { traceparentOf, xrayHeader } from './xray.js';

/** The function version that ran, as the invoker has it. */
export interface TracedFunction {
  name: string;
  version: string;
  memoryMb: number;
}

/** What one run took, as the invoker reports it when it finishes (epoch ms). */
export interface TracedRun {
  startedAtMs: number;
  endedAtMs: number;
  durationMs: number;
  initDurationMs: number | null;
  cold: boolean;
  startType?: string;
  errorType: string | null;
}

export interface InvocationTraceOptions {
  tracer: Tracer;
  arn: ArnContext;
  /** The context the invocation's spans are children of (holds `entry`). */
  parent: Context;
  /** The span that stands for the whole invocation: the Invoke call, gateway request or delivery. */
  entry: Span;
  /** True when this trace ends `entry` (false: its owner does, e.g. the gateway on close). */
  ownsEntry: boolean;
  trigger: FaasTrigger;
  /** The caller's decoded client context (JSON text), for the runtime's copy with `traceparent`. */
  clientContext?: string;
  /** Links for the handler span (the messages of a queue batch). */
  links?: Link[];
}

/**
 * One invocation's spans under its entry span: `queue wait` (a run slot was full),
 * `init` (the instance's cold start) and `handler` (the function ran). The invoker calls
 * `started` as the handler begins (the handler span's context becomes the function's
 * `_X_AMZN_TRACE_ID`) and `finished` when it is done; waits and init are recorded then,
 * with the times the invoker measured.
 */
export class InvocationTrace {
  private handler: Span | null = null;
  private handlerStartMs = 0;

  constructor(private readonly o: InvocationTraceOptions) {}

  /** The handler begins: its span opens; the X-Ray header (and client context) for the runtime. */
  started(_requestId: string, nowMs: number): { traceId: string; clientContext?: string } {
    this.handlerStartMs = nowMs;
    this.handler = this.o.tracer.startSpan(
      'handler',
      {
        kind: SpanKind.INTERNAL,
        startTime: nowMs,
        ...(this.o.links ? { links: this.o.links } : {}),
      },
      this.o.parent,
    );
    const sc = this.handler.spanContext();
    if (this.o.trigger === 'http') return { traceId: xrayHeader(sc) };
    return { traceId: xrayHeader(sc), clientContext: withTraceparent(this.o.clientContext, sc) };
  }

  /** The invocation is over (any outcome but a throttle): records waits, init, and ends spans. */
  finished(requestId: string, fn: TracedFunction, run: TracedRun, queuedMs?: number): void {
    const { tracer, parent, entry } = this.o;
    const attrs = {
      [ATTR.faasInvocationId]: requestId,
      [ATTR.faasName]: fn.name,
      [ATTR.faasVersion]: fn.version,
      [ATTR.faasMaxMemory]: fn.memoryMb * 1024 * 1024,
      [ATTR.cloudResourceId]: functionArn(this.o.arn, fn.name, fn.version),
      [ATTR.faasColdstart]: run.cold,
      ...(run.startType ? { [NIMBUS_ATTR.startType]: run.startType } : {}),
    };
    entry.setAttributes(attrs);
    if (queuedMs) {
      tracer
        .startSpan('queue wait', { startTime: run.startedAtMs - queuedMs }, parent)
        .end(run.startedAtMs);
    }
    const initFailed = this.handler === null && run.cold;
    if (run.initDurationMs !== null || initFailed) {
      const init = tracer.startSpan(
        'init',
        { startTime: run.startedAtMs, attributes: { [ATTR.faasName]: fn.name } },
        parent,
      );
      if (initFailed) failSpan(init, run.errorType ?? 'init failed');
      init.end(run.startedAtMs + (run.initDurationMs ?? run.durationMs));
    }
    if (this.handler) {
      this.handler.setAttributes(attrs);
      if (run.errorType) failSpan(this.handler, run.errorType);
      this.handler.end(this.handlerStartMs + run.durationMs);
    }
    if (run.errorType) failSpan(entry, run.errorType);
    if (this.o.ownsEntry) entry.end(run.endedAtMs);
  }

  /** The invocation never ran (throttled, payload too large, ...): the entry span ends in error. */
  failed(e: unknown): void {
    const { entry } = this.o;
    const code = (e as { code?: unknown })?.code;
    entry.setStatus({
      code: SpanStatusCode.ERROR,
      message: typeof code === 'string' ? code : e instanceof Error ? e.message : String(e),
    });
    if (this.o.ownsEntry) entry.end();
  }
}

function failSpan(span: Span, errorType: string): void {
  span.setAttribute(NIMBUS_ATTR.errorType, errorType);
  span.setStatus({ code: SpanStatusCode.ERROR, message: errorType });
}

/**
 * The client context the runtime gets: the caller's, with `custom.traceparent` naming the
 * handler span (the key Lambda's client context uses for caller-defined values).
 */
function withTraceparent(clientContext: string | undefined, sc: ReturnType<Span['spanContext']>) {
  let cc: Record<string, unknown> = {};
  if (clientContext) {
    try {
      cc = JSON.parse(clientContext) as Record<string, unknown>;
    } catch {
      return clientContext;
    }
  }
  const key = 'Custom' in cc && !('custom' in cc) ? 'Custom' : 'custom';
  const custom = cc[key];
  const base = custom && typeof custom === 'object' ? custom : {};
  return JSON.stringify({ ...cc, [key]: { ...base, traceparent: traceparentOf(sc) } });
}
