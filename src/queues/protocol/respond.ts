import type { AwsRequest } from '../../aws/request.js';
import type { SqsError } from '../errors.js';
import type { SqsProtocol } from './params.js';
import { errorXml, resultXml } from './xml.js';

const JSON_CONTENT_TYPE = 'application/x-amz-json-1.0';
const XML_CONTENT_TYPE = 'text/xml';

/** Which protocol a request speaks: JSON when it names an `AmazonSQS.*` target. */
export function protocolOf(r: AwsRequest): SqsProtocol {
  const target = r.req.headers['x-amz-target'];
  return typeof target === 'string' && target.startsWith('AmazonSQS.') ? 'json' : 'query';
}

function write(r: AwsRequest, status: number, contentType: string, body: string, extra = {}): void {
  if (r.res.headersSent || r.res.destroyed) return;
  const bytes = Buffer.from(body, 'utf8');
  r.res.writeHead(status, {
    'content-type': contentType,
    'content-length': String(bytes.length),
    'x-amzn-requestid': r.requestId,
    ...extra,
  });
  r.res.end(bytes);
}

/** Writes an operation's result (JSON shape) in the request's protocol. */
export function writeResult(
  r: AwsRequest,
  protocol: SqsProtocol,
  op: string,
  result: Record<string, unknown> | null,
): void {
  if (protocol === 'json') write(r, 200, JSON_CONTENT_TYPE, JSON.stringify(result ?? {}));
  else write(r, 200, XML_CONTENT_TYPE, resultXml(op, result, r.requestId));
}

/**
 * Writes an error in the request's protocol: the query protocol's ErrorResponse
 * XML, or JSON `{"__type","message"}` with `x-amzn-query-error: <query code>;Sender`
 * so clients in query-compatible mode recover the query code.
 */
export function writeError(r: AwsRequest, protocol: SqsProtocol, e: SqsError): void {
  if (protocol === 'query') {
    write(r, e.status, XML_CONTENT_TYPE, errorXml(e, r.requestId));
    return;
  }
  const namespace = e.coral ? 'com.amazon.coral.service' : 'com.amazonaws.sqs';
  const body = JSON.stringify({ __type: `${namespace}#${e.code}`, message: e.message });
  const headers = e.coral
    ? {}
    : { 'x-amzn-query-error': `${e.queryCode};${e.senderFault ? 'Sender' : 'Receiver'}` };
  write(r, e.status, JSON_CONTENT_TYPE, body, headers);
}
