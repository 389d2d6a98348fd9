// Nimbus's Node.js runtime: `node /var/runtime/bootstrap.mjs`, cwd = LAMBDA_TASK_ROOT.
// Loads the handler named by _HANDLER, then serves invocations from the Runtime API forever.
// The contract it implements is docs/runtime-contract.md.
//
// Cold start counts: only what the first /next needs is imported statically; the invoker
// (lambda.mjs, fc.mjs or streaming.mjs) loads while that /next is in flight.
import {
  emit,
  logError,
  patchConsole,
  setLogSink,
  setRequestId,
  writeEndMarker,
} from './console-patch.mjs';
import { toRapidResponse, UnhandledPromiseRejection } from './errors.mjs';
import { loadHandler } from './load-handler.mjs';
import { createRuntimeClient } from './runtime-client.mjs';

/** A crash outside the handler's own promise; the platform reports Runtime.ExitError. */
const EXIT_UNCAUGHT = 129;
const EXIT_INIT_FAILED = 1;
const EXIT_RUNTIME_API_FAILED = 1;

const STREAMING = Symbol.for('aws.lambda.runtime.handler.streaming');
const HIGH_WATER_MARK = Symbol.for('aws.lambda.runtime.handler.streaming.highWaterMark');
const PRELUDE_CONTENT_TYPE = 'application/vnd.awslambda.http-integration-response';
/** The Content-Type of an FC HTTP-trigger event (docs/runtime-contract.md). */
const FC_HTTP_EVENT_TYPE = 'application/vnd.nimbus.fc-http-request+json';

const env = process.env;

async function main() {
  const client = createRuntimeClient(env);
  client.preconnect();
  // Framed channel: logs travel with the answers, in order (no end marker on stdout).
  if (client.log) setLogSink(client.log);
  if (env.NIMBUS_AWS_SOCKET) {
    (await import('./aws-relay.mjs')).serveAwsEndpoint(env.NIMBUS_AWS_SOCKET);
  }
  const flavour = env.NIMBUS_FLAVOUR === 'fc' ? 'fc' : 'lambda';
  if (env.NIMBUS_FLAVOUR && env.NIMBUS_FLAVOUR !== flavour) {
    console.warn(`Unknown NIMBUS_FLAVOUR '${env.NIMBUS_FLAVOUR}', using 'lambda'.`);
  }

  /** @type {Function} */
  let handler;
  try {
    const taskRoot = env.LAMBDA_TASK_ROOT || process.cwd();
    handler = await loadHandler(taskRoot, env._HANDLER ?? '');
    if (env.NIMBUS_INITIALIZER) {
      const { runInitializer } = await import('./initializer.mjs');
      await runInitializer(env.NIMBUS_INITIALIZER, taskRoot, flavour);
    }
  } catch (err) {
    logError('Uncaught Exception', err);
    await client.postInitError(toRapidResponse(err)).catch(() => {});
    process.exit(EXIT_INIT_FAILED);
  }

  const firstNext = client.next();
  firstNext.catch(() => {}); // awaited below, once the invoker has loaded
  const invoke = await selectInvoker(flavour, handler);
  for (let next = firstNext; ; ) {
    const inv = await next;
    setRequestId(inv.requestId);
    if (inv.traceId) env._X_AMZN_TRACE_ID = inv.traceId;
    else delete env._X_AMZN_TRACE_ID;

    const outcome = await invoke(handler, inv, client);
    if (outcome.kind === 'streamed') {
      next = client.next();
      continue;
    }
    if (outcome.kind === 'error') logError('Invoke Error', outcome.error);
    writeEndMarker(inv.requestId);
    // The answer and the next /next go out in one write (pipelined): one wake-up of the
    // platform instead of two, and no wait for the 202 before asking for more.
    const sent =
      outcome.kind === 'error'
        ? client.postErrorThenNext(inv.requestId, toRapidResponse(outcome.error))
        : client.postResponseThenNext(inv.requestId, outcome.body, outcome.contentType);
    await sent.posted;
    next = sent.next;
  }
}

/**
 * One invoker per calling convention. In the fc flavour an event whose Content-Type marks an
 * HTTP trigger goes to FC's HTTP handler form `(req, resp, context)` (fc-http.mjs, loaded on
 * first use); any other event to FC's event handler form.
 *
 * @param {'lambda' | 'fc'} flavour
 * @param {Function} handler
 * @returns {Promise<import('./lambda.mjs').Invoker>}
 */
async function selectInvoker(flavour, handler) {
  if (flavour === 'fc') {
    const { invokeFc } = await import('./fc.mjs');
    /** @type {import('./lambda.mjs').Invoker | undefined} */
    let invokeHttp;
    return async (fn, inv, client) => {
      if (inv.contentType !== FC_HTTP_EVENT_TYPE) return invokeFc(fn, inv, client);
      invokeHttp ??= (await import('./fc-http.mjs')).invokeFcHttp;
      return invokeHttp(fn, inv, client);
    };
  }
  const streaming = /** @type {Record<symbol, unknown>} */ (handler)[STREAMING] === 'response';
  if (streaming) return (await import('./streaming.mjs')).invokeStreaming;
  return (await import('./lambda.mjs')).invokeLambda;
}

/**
 * `application/vnd.awslambda.http-integration-response`: JSON prelude, 8 NUL bytes, body.
 * The stream is streaming.mjs's ResponseStream.
 */
// biome-ignore lint/complexity/noStaticOnlyClass: AWS's runtime exposes it as a class with a static from()
class HttpResponseStream {
  /**
   * @template {{setContentType(type: string): void, _onBeforeFirstWrite?: Function}} S
   * @param {S} stream
   * @param {{statusCode?: number, headers?: Record<string, string>, cookies?: string[]}} prelude
   * @returns {S}
   */
  static from(stream, prelude) {
    stream.setContentType(PRELUDE_CONTENT_TYPE);
    const json = JSON.stringify(prelude);
    stream._onBeforeFirstWrite = (/** @type {(chunk: string | Uint8Array) => void} */ write) => {
      write(json);
      write(new Uint8Array(8));
    };
    return stream;
  }
}

/** `globalThis.awslambda`, defined before user code loads, as Lambda's Node runtime does. */
function installAwsLambdaGlobal() {
  const off = env.AWS_LAMBDA_NODEJS_NO_GLOBAL_AWSLAMBDA;
  if (off === '1' || off === 'true') return;
  const awslambda = {
    /**
     * Marks a handler `async (event, responseStream, context)` as streaming its response.
     * @template {Function} H
     * @param {H} handler
     * @param {{highWaterMark?: number}} [options]
     * @returns {H}
     */
    streamifyResponse(handler, options) {
      Object.assign(handler, { [STREAMING]: 'response' });
      if (typeof options?.highWaterMark === 'number') {
        Object.assign(handler, { [HIGH_WATER_MARK]: options.highWaterMark });
      }
      return handler;
    },
    HttpResponseStream,
  };
  Object.defineProperty(globalThis, 'awslambda', {
    value: awslambda,
    writable: true,
    configurable: true,
  });
}

/** Everything a start does once the function's environment is in place. */
function start() {
  patchConsole(env.AWS_LAMBDA_LOG_LEVEL);
  process.on('uncaughtException', (err) => {
    logError('Uncaught Exception', err);
    process.exit(EXIT_UNCAUGHT);
  });
  process.on('unhandledRejection', (reason, promise) => {
    logError('Unhandled Promise Rejection', new UnhandledPromiseRejection(reason, promise));
    process.exit(EXIT_UNCAUGHT);
  });
  installAwsLambdaGlobal();

  // Not awaited at top level: an entry module whose evaluation never ends is an "unsettled
  // top-level await" to Node once the event loop is idle.
  main().catch((err) => {
    emit('ERROR', ['Runtime API failure:', err]);
    process.exit(EXIT_RUNTIME_API_FAILED);
  });
}

// A prewarmed sandbox starts without a function: it waits for its assignment first.
if (env.NIMBUS_POOLED === '1') {
  import('./pooled.mjs')
    .then(({ waitForAssignment }) => waitForAssignment(env))
    .then(start, (err) => {
      emit('ERROR', ['Prewarmed sandbox failure:', err]);
      process.exit(EXIT_RUNTIME_API_FAILED);
    });
} else {
  start();
}
