import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import {
  type Context,
  defaultTextMapGetter,
  type Link,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import {
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_SERVICE_NAME,
  ATTR_URL_PATH,
} from '@opentelemetry/semantic-conventions';
import type { ArnContext } from '../shared/arn.js';
import { ATTR, type FaasTrigger, NIMBUS_ATTR } from './attributes.js';
import { first, tracesUrl } from './http.js';
import { InvocationTrace } from './invocation-trace.js';
import { spanContextOfXray, traceparentOf } from './xray.js';

export interface TracingOptions {
  /** The collector's OTLP/HTTP base URL (`/v1/traces` is added unless it is there). */
  endpoint: string;
  arn: ArnContext;
  /** How long finished spans wait to be sent in a batch (default: OTel's 5 s, or OTEL_BSP_SCHEDULE_DELAY). */
  exportDelayMs?: number;
}

/** The part of a gateway destination a span names. */
export interface TracedRoute {
  functionName: string;
  routeKey: string;
  resourcePath: string;
}

/**
 * Nimbus's tracing: an OpenTelemetry tracer whose spans go, batched, to an OTLP/HTTP
 * collector. Built only when an endpoint is configured; without one no part of Nimbus
 * holds a Tracing and the request paths skip every span and context step.
 */
export class Tracing {
  private readonly provider: BasicTracerProvider;
  private readonly tracer: Tracer;
  private readonly propagator = new W3CTraceContextPropagator();

  constructor(private readonly opts: TracingOptions) {
    this.provider = new BasicTracerProvider({
      resource: resourceFromAttributes({
        [ATTR_SERVICE_NAME]: 'nimbus',
        [ATTR.cloudRegion]: opts.arn.region,
        [ATTR.cloudAccountId]: opts.arn.accountId,
      }),
      spanProcessors: [
        new BatchSpanProcessor(
          new OTLPTraceExporter({ url: tracesUrl(opts.endpoint) }),
          // Unset: OTel's default (5 s) or OTEL_BSP_SCHEDULE_DELAY.
          opts.exportDelayMs !== undefined ? { scheduledDelayMillis: opts.exportDelayMs } : {},
        ),
      ],
    });
    this.tracer = this.provider.getTracer('nimbus');
  }

  /** The caller's context: W3C `traceparent` (and `tracestate`), else an `X-Amzn-Trace-Id`. */
  parentOf(headers: IncomingHttpHeaders): Context {
    const ctx = this.propagator.extract(ROOT_CONTEXT, headers, defaultTextMapGetter);
    if (trace.getSpanContext(ctx)) return ctx;
    return this.parentOfStored(first(headers['x-amzn-trace-id']));
  }

  /** The context a stored trace header names (`traceparent` or X-Ray form); root when none. */
  parentOfStored(header: string | null | undefined): Context {
    if (!header) return ROOT_CONTEXT;
    if (header.startsWith('00-')) {
      return this.propagator.extract(ROOT_CONTEXT, { traceparent: header }, defaultTextMapGetter);
    }
    const sc = spanContextOfXray(header);
    return sc ? trace.setSpanContext(ROOT_CONTEXT, sc) : ROOT_CONTEXT;
  }

  /** A synchronous Invoke API call: its span and the invocation's spans under it. */
  invokeCall(
    headers: IncomingHttpHeaders,
    functionName: string,
    clientContext?: string,
  ): InvocationTrace {
    const entry = this.tracer.startSpan(
      `Invoke ${functionName}`,
      {
        kind: SpanKind.SERVER,
        attributes: {
          [ATTR.faasTrigger]: 'other',
          [ATTR.faasName]: functionName,
          [NIMBUS_ATTR.invocationType]: 'RequestResponse',
        },
      },
      this.parentOf(headers),
    );
    return this.invocation(entry, true, 'other', clientContext);
  }

  /**
   * An Event Invoke API call (or another enqueuer): a span that ends once the event is
   * stored, and the `traceparent` to store with the event so its delivery continues the trace.
   */
  enqueueCall(
    headers: IncomingHttpHeaders,
    functionName: string,
  ): { traceparent: string; end(e?: unknown): void } {
    const span = this.tracer.startSpan(
      `Invoke ${functionName}`,
      {
        kind: SpanKind.PRODUCER,
        attributes: {
          [ATTR.faasTrigger]: 'other',
          [ATTR.faasName]: functionName,
          [NIMBUS_ATTR.invocationType]: 'Event',
        },
      },
      this.parentOf(headers),
    );
    return {
      traceparent: traceparentOf(span.spanContext()),
      end: (e?: unknown) => {
        if (e !== undefined) span.setStatus({ code: SpanStatusCode.ERROR, message: String(e) });
        span.end();
      },
    };
  }

  /** One delivery attempt of an async event, a child of the span that enqueued it. */
  asyncDelivery(ev: {
    functionName: string;
    source: string;
    traceParent?: string | null;
  }): InvocationTrace {
    const trigger: FaasTrigger = ev.source.startsWith('timer:') ? 'timer' : 'other';
    const entry = this.tracer.startSpan(
      ev.functionName,
      {
        kind: SpanKind.CONSUMER,
        attributes: { [ATTR.faasTrigger]: trigger, [NIMBUS_ATTR.source]: ev.source },
      },
      this.parentOfStored(ev.traceParent),
    );
    return this.invocation(entry, true, trigger);
  }

  /**
   * A queue batch handed to its function: a new trace whose spans link to each message's
   * sender (the message's `AWSTraceHeader`), as a batch has many parents.
   */
  queueBatch(
    functionName: string,
    queueArn: string,
    messages: readonly { attributes: Record<string, string> }[],
  ): InvocationTrace {
    const links: Link[] = [];
    for (const m of messages) {
      const sc = trace.getSpanContext(this.parentOfStored(m.attributes.AWSTraceHeader));
      if (sc) links.push({ context: sc });
    }
    const entry = this.tracer.startSpan(
      functionName,
      {
        kind: SpanKind.CONSUMER,
        root: true,
        links,
        attributes: {
          [ATTR.faasTrigger]: 'pubsub',
          [ATTR.messagingSystem]: 'aws_sqs',
          [ATTR.messagingOperationType]: 'process',
          [ATTR.messagingDestinationName]: queueArn.split(':').pop() ?? queueArn,
          [ATTR.messagingBatchMessageCount]: messages.length,
        },
      },
      ROOT_CONTEXT,
    );
    return this.invocation(entry, true, 'pubsub', undefined, links);
  }

  /**
   * A gateway request routed to a function: a SERVER span that ends when the response
   * closes, with its status; `traceparent` is what the function's event headers carry.
   */
  gatewayRequest(
    req: IncomingMessage,
    res: ServerResponse,
    dest: TracedRoute,
  ): { trace: InvocationTrace; traceparent: string } {
    const method = req.method ?? 'GET';
    const route = dest.routeKey.startsWith(`${method} `)
      ? dest.routeKey.slice(method.length + 1)
      : dest.resourcePath || dest.routeKey;
    const entry = this.tracer.startSpan(
      `${method} ${route}`,
      {
        kind: SpanKind.SERVER,
        attributes: {
          [ATTR.faasTrigger]: 'http',
          [ATTR_HTTP_REQUEST_METHOD]: method,
          [ATTR_HTTP_ROUTE]: route,
          [ATTR_URL_PATH]: (req.url ?? '/').split('?')[0] ?? '/',
          [ATTR.faasName]: dest.functionName,
        },
      },
      this.parentOf(req.headers),
    );
    res.once('close', () => {
      entry.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, res.statusCode);
      if (res.statusCode >= 500) entry.setStatus({ code: SpanStatusCode.ERROR });
      entry.end();
    });
    return {
      trace: this.invocation(entry, false, 'http'),
      traceparent: traceparentOf(entry.spanContext()),
    };
  }

  /** Sends what is batched and stops the exporter. */
  async shutdown(): Promise<void> {
    await this.provider.shutdown().catch(() => undefined);
  }

  private invocation(
    entry: Span,
    ownsEntry: boolean,
    trigger: FaasTrigger,
    clientContext?: string,
    links?: Link[],
  ): InvocationTrace {
    return new InvocationTrace({
      tracer: this.tracer,
      arn: this.opts.arn,
      parent: trace.setSpan(ROOT_CONTEXT, entry),
      entry,
      ownsEntry,
      trigger,
      ...(clientContext ? { clientContext } : {}),
      ...(links?.length ? { links } : {}),
    });
  }
}
