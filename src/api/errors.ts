import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ZodError } from 'zod';
import { fail } from '../shared/error-codes.js';
import { isNimbusError, type NimbusError } from '../shared/errors.js';

/** Turns a zod failure into Lambda's validation message. */
export function fromZod(e: ZodError): NimbusError {
  const issues = e.issues.slice(0, 3).map((i) => {
    const at = i.path.length ? i.path.join('.') : 'body';
    return `Value at '${at}' failed to satisfy constraint: ${i.message}`;
  });
  const n = e.issues.length;
  return fail(
    'ValidationException',
    `${n} validation error${n > 1 ? 's' : ''} detected: ${issues.join('; ')}`,
  );
}

function fromFastify(e: FastifyError, url: string): NimbusError | null {
  if (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return url.includes('/invocations')
      ? fail(
          'RequestTooLargeException',
          'Request must be smaller than 6291456 bytes for the InvokeFunction operation',
        )
      : fail(
          'RequestEntityTooLargeException',
          'Request must be smaller than 70167211 bytes for the CreateFunction operation',
        );
  }
  if (e.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    return fail('UnsupportedMediaTypeException', e.message);
  }
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return fail('InvalidRequestContentException', e.message);
  }
  return null;
}

/**
 * The one place errors become HTTP answers. Lambda API routes answer in Lambda's
 * shape (`x-amzn-ErrorType` + `{"Type","Message"}`); native routes as
 * `{"error":{"code","message"}}`. Unknown errors are logged and become a
 * generic 500 with the request id, never a stack trace.
 */
export function errorHandler(error: unknown, req: FastifyRequest, reply: FastifyReply): void {
  let e: NimbusError;
  if (isNimbusError(error)) e = error;
  else if (error instanceof ZodError) e = fromZod(error);
  else {
    const mapped = fromFastify(error as FastifyError, req.url);
    if (mapped) e = mapped;
    else {
      console.error(
        `nimbus: internal error on ${req.method} ${req.url} (request ${req.id}):`,
        error,
      );
      e = fail('ServiceException', `An internal error occurred. Request id: ${req.id}`);
    }
  }
  for (const [k, v] of Object.entries(e.headers)) reply.header(k, v);
  if (req.url.startsWith('/nimbus/') || req.url === '/health') {
    reply.status(e.status).send({ error: { code: e.code, message: e.message, ...e.fields } });
    return;
  }
  reply.header('x-amzn-ErrorType', e.code);
  let body: Record<string, unknown>;
  if (e.code === 'ValidationException') body = { message: e.message };
  else if (e.code === 'TooManyRequestsException')
    body = { ...e.fields, Type: 'User', message: e.message };
  else body = { Type: e.kind === 'user' ? 'User' : 'Service', Message: e.message, ...e.fields };
  reply.status(e.status).send(body);
}
