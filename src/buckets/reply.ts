import { createHash } from 'node:crypto';
import type { AwsRequest } from '../aws/request.js';
import { escapeXml } from './xml.js';

/** S3's `x-amz-id-2`: an opaque host id; derived from the request id so logs can match them. */
export function hostId(requestId: string): string {
  return createHash('sha256').update(requestId).digest('base64');
}

/** Headers every S3 answer carries. */
export function baseHeaders(r: AwsRequest): Record<string, string> {
  return { 'x-amz-request-id': r.requestId, 'x-amz-id-2': hostId(r.requestId) };
}

/** An answer without a body (`Content-Length: 0` unless `headers` say otherwise). */
export function sendEmpty(
  r: AwsRequest,
  status: number,
  headers: Record<string, string | number> = {},
): void {
  r.res.writeHead(status, { ...baseHeaders(r), 'content-length': 0, ...headers });
  r.res.end();
}

/** An XML answer (a document from `xmlDocument`). */
export function sendXml(
  r: AwsRequest,
  status: number,
  xml: string,
  headers: Record<string, string | number> = {},
): void {
  const body = Buffer.from(xml, 'utf8');
  r.res.writeHead(status, {
    ...baseHeaders(r),
    'content-type': 'application/xml',
    'content-length': body.length,
    ...headers,
  });
  r.res.end(r.req.method === 'HEAD' ? undefined : body);
}

/**
 * Writes an S3 XML error (for HEAD only the status, as S3 does). When the
 * answer has already started (a failing download), the connection is cut so
 * the client sees a short body rather than a wrong one.
 *
 * @example
 * sendS3Error(r, { code: 'AccessDenied', message: 'Access Denied', status: 403 });
 */
export function sendS3Error(
  r: AwsRequest,
  e: {
    code: string;
    message: string;
    status: number;
    fields?: Record<string, unknown>;
    headers?: Record<string, string>;
  },
): void {
  if (r.res.headersSent) {
    r.res.destroy();
    return;
  }
  const extra = Object.entries(e.fields ?? {})
    .map(([k, v]) => `<${k}>${escapeXml(String(v))}</${k}>`)
    .join('');
  const xml =
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${escapeXml(e.code)}</Code>` +
    `<Message>${escapeXml(e.message)}</Message>${extra}` +
    `<RequestId>${escapeXml(r.requestId)}</RequestId><HostId>${hostId(r.requestId)}</HostId></Error>`;
  sendXml(r, e.status, xml, e.headers);
}

/** S3's timestamp in listings and XML results: `2009-10-12T17:50:30.000Z`. */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}

/** The HTTP date of Last-Modified (RFC 1123): `Wed, 12 Oct 2009 17:50:00 GMT`. */
export function httpDate(ms: number): string {
  return new Date(ms).toUTCString();
}

/** An ETag as S3 sends it: in double quotes. */
export function quoteEtag(etag: string): string {
  return `"${etag}"`;
}
