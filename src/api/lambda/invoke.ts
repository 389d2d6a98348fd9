import type { FastifyInstance } from 'fastify';
import { resolveTarget } from '../../functions/index.js';
import { MAX_SYNC_PAYLOAD_BYTES } from '../../invoke/index.js';
import { parseFunctionRef } from '../../shared/arn.js';
import { fail } from '../../shared/error-codes.js';
import type { ApiDeps } from '../deps.js';

const MAX_CLIENT_CONTEXT_BYTES = 3583;

function header(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/** `X-Amz-Client-Context`: base64 JSON in, decoded JSON text out. */
function decodeClientContext(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  if (raw.length > MAX_CLIENT_CONTEXT_BYTES) {
    throw fail(
      'InvalidParameterValueException',
      `Client context must be at most ${MAX_CLIENT_CONTEXT_BYTES} bytes`,
    );
  }
  const text = Buffer.from(raw, 'base64').toString('utf8');
  try {
    const v: unknown = JSON.parse(text);
    if (v === null || typeof v !== 'object') throw new Error('not an object');
  } catch {
    throw fail(
      'InvalidRequestContentException',
      'Client context must be a valid Base64-encoded JSON object.',
    );
  }
  return text;
}

/** Registers Invoke (`POST /2015-03-31/functions/{name}/invocations`) and the legacy InvokeAsync. */
export function invokeRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const { arn, registry, invoker } = deps;
  app.post<{ Params: { name: string }; Querystring: { Qualifier?: string } }>(
    '/2015-03-31/functions/:name/invocations',
    // A little over the limit, so an oversize payload gets Lambda's error rather than a cut connection.
    { bodyLimit: MAX_SYNC_PAYLOAD_BYTES + 1024 },
    async (req, reply) => {
      const { name, qualifier } = parseFunctionRef(arn, req.params.name, req.query.Qualifier);
      const { fn, latest } = await resolveTarget(registry, deps.aliases, name, qualifier);
      const type = header(req.headers['x-amz-invocation-type']) ?? 'RequestResponse';
      const logType = header(req.headers['x-amz-log-type']) ?? 'None';
      if (logType !== 'None' && logType !== 'Tail') {
        throw fail(
          'InvalidParameterValueException',
          `X-Amz-Log-Type must be None or Tail (got ${logType})`,
        );
      }
      const payload = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      if (type === 'DryRun') {
        reply.status(204).send();
        return reply;
      }
      if (type === 'Event') {
        const token = header(req.headers['x-nimbus-client-token']);
        if (token !== undefined && !/^[\x21-\x7e]{1,128}$/.test(token)) {
          throw fail(
            'InvalidParameterValueException',
            'X-Nimbus-Client-Token must be 1-128 printable ASCII characters',
          );
        }
        const span = deps.tracing?.enqueueCall(req.headers, name);
        let queued: Awaited<ReturnType<typeof deps.asyncQueue.enqueue>>;
        try {
          queued = await deps.asyncQueue.enqueue({
            functionName: name,
            ...(qualifier !== undefined ? { qualifier } : {}),
            payload,
            source: 'api',
            ...(token ? { clientToken: token } : {}),
            ...(span ? { traceParent: span.traceparent } : {}),
          });
        } finally {
          span?.end();
        }
        reply.header('x-amzn-RequestId', queued.requestId);
        if (queued.duplicate) reply.header('X-Nimbus-Duplicate', 'true');
        reply.status(202).send();
        return reply;
      }
      if (type !== 'RequestResponse') {
        throw fail(
          'InvalidParameterValueException',
          `X-Amz-Invocation-Type must be RequestResponse, Event or DryRun (got ${type})`,
        );
      }
      const clientContext = decodeClientContext(header(req.headers['x-amz-client-context']));
      const trace = deps.tracing?.invokeCall(req.headers, name, clientContext);
      let res: Awaited<ReturnType<typeof invoker.invoke>>;
      try {
        res = await invoker.invoke({
          fn,
          reservedConcurrency: latest.reservedConcurrency,
          ...(qualifier !== undefined ? { qualifier } : {}),
          payload,
          tail: logType === 'Tail',
          ...(clientContext ? { clientContext } : {}),
          ...(trace ? { trace } : {}),
        });
      } catch (e) {
        trace?.failed(e);
        throw e;
      }
      reply.header('X-Amz-Executed-Version', res.executedVersion);
      reply.header('x-amzn-RequestId', res.requestId);
      reply.header('Content-Type', res.contentType);
      if (res.functionError) reply.header('X-Amz-Function-Error', res.functionError);
      if (res.logResult) reply.header('X-Amz-Log-Result', res.logResult);
      reply.status(200).send(res.payload);
      return reply;
    },
  );

  // InvokeAsync (deprecated, still used by old tools): always asynchronous.
  app.post<{ Params: { name: string } }>(
    '/2014-11-13/functions/:name/invoke-async',
    { bodyLimit: MAX_SYNC_PAYLOAD_BYTES + 1024 },
    async (req, reply) => {
      const { name, qualifier } = parseFunctionRef(arn, req.params.name);
      const queued = await deps.asyncQueue.enqueue({
        functionName: name,
        ...(qualifier !== undefined ? { qualifier } : {}),
        payload: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0),
        source: 'api',
      });
      reply.header('x-amzn-RequestId', queued.requestId);
      reply.status(202).send({ Status: 202 });
      return reply;
    },
  );
}
