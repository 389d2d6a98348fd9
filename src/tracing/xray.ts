import { type SpanContext, TraceFlags } from '@opentelemetry/api';

const XRAY_RE = /(?:^|;)\s*Root=1-([0-9a-f]{8})-([0-9a-f]{24})\s*(?:;|$)/i;
const PARENT_RE = /(?:^|;)\s*Parent=([0-9a-f]{16})\s*(?:;|$)/i;
const SAMPLED_RE = /(?:^|;)\s*Sampled=([01])\s*(?:;|$)/;

/**
 * A span context as an X-Ray trace header, the form Lambda puts in `_X_AMZN_TRACE_ID`:
 * the W3C trace id's first 8 hex digits are X-Ray's epoch part, the other 24 its random part.
 *
 * @example xrayHeader(sc) // 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1'
 */
export function xrayHeader(sc: SpanContext): string {
  const t = sc.traceId;
  const sampled = sc.traceFlags & TraceFlags.SAMPLED ? 1 : 0;
  return `Root=1-${t.slice(0, 8)}-${t.slice(8)};Parent=${sc.spanId};Sampled=${sampled}`;
}

/** The span context an X-Ray trace header names; undefined without a Root and Parent. */
export function spanContextOfXray(header: string | undefined): SpanContext | undefined {
  if (!header) return undefined;
  const root = XRAY_RE.exec(header);
  const parent = PARENT_RE.exec(header);
  if (!root || !parent) return undefined;
  const traceId = `${root[1]}${root[2]}`.toLowerCase();
  const spanId = parent[1]!.toLowerCase();
  if (/^0+$/.test(traceId) || /^0+$/.test(spanId)) return undefined;
  const sampled = SAMPLED_RE.exec(header)?.[1] !== '0';
  return {
    traceId,
    spanId,
    traceFlags: sampled ? TraceFlags.SAMPLED : TraceFlags.NONE,
    isRemote: true,
  };
}

/** A span context as a W3C `traceparent` value. */
export function traceparentOf(sc: SpanContext): string {
  const flags = (sc.traceFlags & 0xff).toString(16).padStart(2, '0');
  return `00-${sc.traceId}-${sc.spanId}-${flags}`;
}
