import type { AwsRequest } from '../../aws/request.js';
import { SQS_ERRORS, SqsError, sqsError } from '../errors.js';
import type { QueueService } from '../service.js';
import { BATCH_OPERATIONS } from './batch-operations.js';
import type { Operation } from './context.js';
import { MESSAGE_OPERATIONS } from './message-operations.js';
import { Params, type SqsProtocol } from './params.js';
import { parseForm, queryToParams } from './query-params.js';
import { QUEUE_OPERATIONS } from './queue-operations.js';
import { protocolOf, writeError, writeResult } from './respond.js';

const OPERATIONS: Record<string, Operation> = {
  ...QUEUE_OPERATIONS,
  ...MESSAGE_OPERATIONS,
  ...BATCH_OPERATIONS,
};

/** SQS actions this service knows but does not carry out. */
const UNSUPPORTED = new Set([
  'AddPermission',
  'RemovePermission',
  'StartMessageMoveTask',
  'CancelMessageMoveTask',
  'ListMessageMoveTasks',
]);

const QUEUE_PATH_RE = /^\/(\d{12})\/([A-Za-z0-9_.-]{1,80})\/?$/;

/** The operation and its parameters, from either protocol. */
function parseRequest(
  r: AwsRequest,
  protocol: SqsProtocol,
  body: Buffer,
): { op: string; params: Params } {
  if (protocol === 'json') {
    const target = String(r.req.headers['x-amz-target']);
    let value: unknown = {};
    if (body.length > 0) {
      try {
        value = JSON.parse(body.toString('utf8'));
      } catch {
        throw sqsError('SerializationException', 'The request body is not valid JSON.');
      }
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw sqsError('SerializationException', 'The request body must be a JSON object.');
    }
    return {
      op: target.slice('AmazonSQS.'.length),
      // A non-array object, checked above.
      params: new Params(value as Record<string, unknown>, 'json'),
    };
  }
  const url = r.req.url ?? '/';
  const q = url.indexOf('?');
  const flat = parseForm(q < 0 ? '' : url.slice(q + 1));
  for (const [k, v] of parseForm(body.toString('utf8'))) flat.set(k, v);
  const op = flat.get('Action');
  if (!op) throw sqsError('MissingAction', 'The request must contain the parameter Action.');
  return { op, params: new Params(queryToParams(flat), 'query') };
}

/** The request path when it is a queue URL's (`/<account>/<name>`), else null. */
function queuePath(r: AwsRequest): string | null {
  const path = (r.req.url ?? '/').split('?')[0] ?? '/';
  return QUEUE_PATH_RE.test(path) ? path : null;
}

function unknownOperation(protocol: SqsProtocol, op: string): SqsError {
  return protocol === 'json'
    ? sqsError('UnknownOperationException', `Unknown operation AmazonSQS.${op}.`)
    : sqsError('InvalidAction', `The action ${op} is not valid for this endpoint.`);
}

/**
 * Answers one SQS request in the protocol it came in: JSON (`X-Amz-Target:
 * AmazonSQS.<Op>`) or query (form-encoded `Action=<Op>`, POSTed to `/` or to a
 * queue URL). `body` is the whole request body, already read. Never throws: errors
 * are written in the protocol's own shape; unknown failures are logged and
 * answered as InternalError with the request id.
 */
export async function handleSqsRequest(
  service: QueueService,
  r: AwsRequest,
  body: Buffer,
): Promise<void> {
  const protocol = protocolOf(r);
  const abort = new AbortController();
  const onClose = (): void => abort.abort();
  r.res.once('close', onClose);
  try {
    const { op, params } = parseRequest(r, protocol, body);
    if (UNSUPPORTED.has(op)) {
      throw sqsError('UnsupportedOperation', `${op} is not supported by this SQS service.`);
    }
    const operation = Object.hasOwn(OPERATIONS, op) ? OPERATIONS[op] : undefined;
    if (!operation) throw unknownOperation(protocol, op);
    const result = await operation({
      service,
      params,
      baseUrl: r.baseUrl,
      senderId: r.accessKeyId ?? r.accountId,
      queuePath: queuePath(r),
      signal: abort.signal,
      ...(typeof r.req.headers['x-amzn-trace-id'] === 'string'
        ? { traceHeader: r.req.headers['x-amzn-trace-id'] }
        : {}),
    });
    writeResult(r, protocol, op, result);
  } catch (e) {
    if (e instanceof SqsError) writeError(r, protocol, e);
    else {
      console.error(`nimbus: internal error in SQS request ${r.requestId}:`, e);
      writeError(
        r,
        protocol,
        sqsError('InternalError', `An internal error occurred. Request id: ${r.requestId}`),
      );
    }
  } finally {
    r.res.off('close', onClose);
  }
}

/**
 * Writes an SQS error in the protocol the request used (JSON when X-Amz-Target
 * is `AmazonSQS.*`, else query XML). For the front door's own refusals, e.g.
 * `{ code: 'InvalidClientTokenId', message: '…', status: 403 }`.
 */
export function sendSqsError(
  r: AwsRequest,
  e: { code: string; message: string; status: number },
): void {
  const spec: { queryCode: string; coral?: boolean } | undefined = Object.hasOwn(SQS_ERRORS, e.code)
    ? SQS_ERRORS[e.code as keyof typeof SQS_ERRORS]
    : undefined;
  const err = new SqsError(e.code, spec?.queryCode ?? e.code, e.status, e.message, spec?.coral);
  writeError(r, protocolOf(r), err);
}
