// Response streaming: the `awslambda` global (streamifyResponse, HttpResponseStream) and the
// invoker for streamified handlers `async (event, responseStream, context)` (wire §1.4).
import { logError, writeEndMarker } from './console-patch.mjs';
import { attachInvocationData, isThenable } from './context.mjs';
import {
  InvalidStreamingOperation,
  MalformedStreamingHandler,
  toRapidResponse,
} from './errors.mjs';
import { parseEvent } from './lambda.mjs';
import { TRAILER_ERROR_BODY, TRAILER_ERROR_TYPE } from './runtime-client.mjs';

const STREAMING = Symbol.for('aws.lambda.runtime.handler.streaming');
const HIGH_WATER_MARK = Symbol.for('aws.lambda.runtime.handler.streaming.highWaterMark');
const STREAM_RESPONSE = 'response';
const PRELUDE_CONTENT_TYPE = 'application/vnd.awslambda.http-integration-response';

/**
 * @typedef {import('node:http').ClientRequest & {
 *   setContentType(contentType: string): void,
 *   _onBeforeFirstWrite?: (write: (chunk: string | Uint8Array) => void) => void,
 * }} ResponseStream
 */

/** `application/vnd.awslambda.http-integration-response`: JSON prelude, 8 NUL bytes, body. */
export class HttpResponseStream {
  /**
   * @param {ResponseStream} stream
   * @param {{statusCode?: number, headers?: Record<string, string>, cookies?: string[]}} prelude
   */
  static from(stream, prelude) {
    stream.setContentType(PRELUDE_CONTENT_TYPE);
    const json = JSON.stringify(prelude);
    stream._onBeforeFirstWrite = (write) => {
      write(json);
      write(new Uint8Array(8));
    };
    return stream;
  }
}

/** Defines `globalThis.awslambda` before user code loads, as Lambda's Node runtime does. */
export function installAwsLambdaGlobal() {
  const off = process.env.AWS_LAMBDA_NODEJS_NO_GLOBAL_AWSLAMBDA;
  if (off === '1' || off === 'true') return;
  Object.defineProperty(globalThis, 'awslambda', {
    value: {
      /**
       * @template {Function} H
       * @param {H} handler
       * @param {{highWaterMark?: number}} [options]
       */
      streamifyResponse(handler, options) {
        Object.assign(handler, { [STREAMING]: STREAM_RESPONSE });
        // Accepted for compatibility; the socket's buffering is Node's default.
        if (typeof options?.highWaterMark === 'number') {
          Object.assign(handler, { [HIGH_WATER_MARK]: options.highWaterMark });
        }
        return handler;
      },
      HttpResponseStream,
    },
    writable: true,
    configurable: true,
  });
}

/** @param {Function} handler */
export function isStreamingHandler(handler) {
  return /** @type {Record<symbol, unknown>} */ (handler)[STREAMING] === STREAM_RESPONSE;
}

/**
 * The response stream is the POST request itself, its write/end wrapped: the first write
 * sends the HttpResponseStream prelude, non-binary chunks are JSON, and end() writes the
 * end marker just before the request ends.
 *
 * @param {import('node:http').ClientRequest} request
 * @param {string} requestId
 * @returns {{stream: ResponseStream, fail: (error: unknown) => void}}
 */
function wrapRequest(request, requestId) {
  const stream = /** @type {ResponseStream} */ (request);
  const write = request.write.bind(request);
  const end = request.end.bind(request);
  let started = false;
  const start = () => {
    if (started) return;
    started = true;
    stream._onBeforeFirstWrite?.((chunk) => write(chunk));
  };
  stream.setContentType = (contentType) => {
    if (started || request.headersSent) {
      throw new InvalidStreamingOperation('Cannot set content-type, too late.');
    }
    request.setHeader('Content-Type', contentType);
  };
  /** @type {(chunk: unknown, encoding?: unknown, callback?: unknown) => boolean} */
  const streamWrite = (chunk, encoding, callback) => {
    start();
    const data = typeof chunk === 'string' || chunk instanceof Uint8Array ? chunk : JSON.stringify(chunk);
    return /** @type {Function} */ (write)(data, encoding, callback);
  };
  /** @type {(chunk?: unknown, encoding?: unknown, callback?: unknown) => ResponseStream} */
  const streamEnd = (chunk, encoding, callback) => {
    if (typeof chunk === 'function') return streamEnd(undefined, undefined, chunk);
    if (typeof encoding === 'function') return streamEnd(chunk, undefined, encoding);
    if (!request.writableEnded) {
      if (chunk != null) streamWrite(chunk, encoding);
      else start();
      writeEndMarker(requestId);
    }
    end(/** @type {() => void} */ (callback));
    return stream;
  };
  Object.assign(stream, { write: streamWrite, end: streamEnd });

  /** Mid-stream failure: the error goes in the trailers (base64 JSON body), then the end. */
  const fail = (/** @type {unknown} */ error) => {
    if (request.writableEnded || request.destroyed) return;
    const body = toRapidResponse(error);
    try {
      request.addTrailers({
        [TRAILER_ERROR_TYPE]: body.errorType.replace(/[^\x21-\x7e]/g, '_'),
        [TRAILER_ERROR_BODY]: Buffer.from(JSON.stringify(body)).toString('base64'),
      });
    } catch {
      // Trailers refused (headers already broken): the end still tells the platform we stopped.
    }
    writeEndMarker(requestId);
    end();
  };
  return { stream, fail };
}

/** @type {import('./lambda.mjs').Invoker} */
export async function invokeStreaming(handler, inv, client) {
  const { request, response } = client.openResponseStream(inv.requestId);
  const { stream, fail } = wrapRequest(request, inv.requestId);
  // The RIC waits for an empty event loop before the next /next; the response is already
  // complete then, so Nimbus asks for the next event straight away.
  let waitForEmptyLoop = true;
  const context = {
    get callbackWaitsForEmptyEventLoop() {
      return waitForEmptyLoop;
    },
    set callbackWaitsForEmptyEventLoop(value) {
      waitForEmptyLoop = value;
    },
  };
  try {
    const event = parseEvent(inv.body);
    const result = handler(event, stream, attachInvocationData(context, inv));
    if (!isThenable(result)) {
      throw new MalformedStreamingHandler('Streaming does not support non-async handlers.');
    }
    if ((await result) !== undefined) console.warn('Streaming handlers ignore return values.');
    if (!request.writableEnded) {
      throw new InvalidStreamingOperation('Response stream is not finished.');
    }
  } catch (err) {
    logError('Invoke Error', err ?? 'handled');
    fail(err ?? 'handled');
  }
  try {
    await response;
  } catch (err) {
    // A destroyed stream or a broken connection: /next will tell whether the platform is gone.
    logError('Response stream failed', err);
  }
  return { kind: 'streamed' };
}
