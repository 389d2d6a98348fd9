// The invoker of streamified handlers `async (event, responseStream, context)`: the response
// is a chunked POST (wire §1.4), a failure after it began goes in the trailers. Loaded only
// for such handlers; the `awslambda` global they are made with is set up by bootstrap.mjs.
import { Writable } from 'node:stream';
import { logError, writeEndMarker } from './console-patch.mjs';
import { attachInvocationData, isThenable } from './context.mjs';
import {
  InvalidStreamingOperation,
  MalformedStreamingHandler,
  toRapidResponse,
} from './errors.mjs';
import { parseEvent } from './lambda.mjs';
import { ERROR_BODY_TRAILER, ERROR_TYPE_HEADER } from './runtime-client.mjs';

const HIGH_WATER_MARK = Symbol.for('aws.lambda.runtime.handler.streaming.highWaterMark');
const noop = () => {};

/** @param {unknown} error @returns {Record<string, string>} */
function errorTrailers(error) {
  const body = toRapidResponse(error);
  return {
    [ERROR_TYPE_HEADER]: body.errorType.replace(/[^\x21-\x7e]/g, '_'),
    [ERROR_BODY_TRAILER]: Buffer.from(JSON.stringify(body)).toString('base64'),
  };
}

/**
 * The `responseStream` handed to the handler: a Writable whose bytes go out as HTTP chunks.
 * Non-binary chunks are written as JSON (as the RIC does); the end writes the end marker,
 * then the last chunk and the trailers.
 */
class ResponseStream extends Writable {
  #post;
  #requestId;
  #started = false;
  #finalized = false;
  /** @type {Record<string, string>} */
  #trailers = {};
  /**
   * Set by HttpResponseStream.from: writes the prelude before the first byte of body.
   * @type {((write: (chunk: string | Uint8Array) => void) => void) | undefined}
   */
  _onBeforeFirstWrite;

  /**
   * @param {import('./runtime-client.mjs').StreamingPost} post
   * @param {string} requestId
   * @param {number | undefined} highWaterMark
   */
  constructor(post, requestId, highWaterMark) {
    super(highWaterMark === undefined ? {} : { highWaterMark });
    this.#post = post;
    this.#requestId = requestId;
    // A failed socket write surfaces when the platform's answer never comes; it must not
    // crash a handler that wrote without an 'error' listener.
    this.on('error', noop);
  }

  /** @param {string} contentType */
  setContentType(contentType) {
    if (this.#started) throw new InvalidStreamingOperation('Cannot set content-type, too late.');
    this.#post.head.contentType = contentType;
  }

  /**
   * @param {unknown} chunk
   * @param {BufferEncoding | ((err?: Error | null) => void)} [encoding]
   * @param {(err?: Error | null) => void} [callback]
   */
  write(chunk, encoding, callback) {
    const data =
      typeof chunk === 'string' || chunk instanceof Uint8Array ? chunk : JSON.stringify(chunk);
    return super.write(data, /** @type {BufferEncoding} */ (encoding), callback);
  }

  #start() {
    if (this.#started) return;
    this.#started = true;
    this._onBeforeFirstWrite?.((chunk) => this.#post.write(Buffer.from(chunk), noop));
  }

  /** @param {Buffer} chunk @param {BufferEncoding} _encoding @param {(err?: Error | null) => void} callback */
  _write(chunk, _encoding, callback) {
    this.#start();
    this.#post.write(chunk, callback);
  }

  /** @param {(err?: Error | null) => void} callback */
  _final(callback) {
    this.#start();
    this.#finish(callback);
  }

  /** @param {Error | null} error @param {(err?: Error | null) => void} callback */
  _destroy(error, callback) {
    // Destroyed before the end: still end the request, with the reason in the trailers.
    if (!this.#finalized) {
      this.#trailers = errorTrailers(error ?? new Error('Response stream destroyed.'));
      this.#finish(noop);
    }
    callback(error);
  }

  /** @param {(err?: Error | null) => void} callback */
  #finish(callback) {
    this.#finalized = true;
    writeEndMarker(this.#requestId);
    this.#post.end(this.#trailers, callback);
  }

  /**
   * Ends the stream with `error` in the trailers; false when the stream had already ended.
   * @param {unknown} error
   */
  fail(error) {
    if (this.#finalized || this.destroyed) return false;
    this.#trailers = errorTrailers(error);
    if (!this.writableEnded) this.end();
    return true;
  }
}

/** @type {import('./lambda.mjs').Invoker} */
export async function invokeStreaming(handler, inv, client) {
  const post = client.streamResponse(inv.requestId);
  const highWaterMark = /** @type {Record<symbol, number | undefined>} */ (handler)[
    HIGH_WATER_MARK
  ];
  const stream = new ResponseStream(post, inv.requestId, highWaterMark);
  // The RIC waits for an empty event loop before the next /next; the response is complete
  // by then, so Nimbus asks for the next event straight away.
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
    if (!stream.writableEnded && !stream.destroyed) {
      throw new InvalidStreamingOperation('Response stream is not finished.');
    }
  } catch (err) {
    logError('Invoke Error', err ?? 'handled');
    stream.fail(err ?? 'handled');
  }
  try {
    await post.response;
  } catch (err) {
    // The connection broke: /next will tell whether the platform is gone.
    logError('Response stream failed', err);
  }
  return { kind: 'streamed' };
}
