// Nimbus's Node.js runtime: `node /var/runtime/bootstrap.mjs`, cwd = LAMBDA_TASK_ROOT.
// Loads the handler named by _HANDLER, then serves invocations from the Runtime API forever.
// The contract it implements is docs/runtime-contract.md.
import {
  emit,
  logError,
  patchConsole,
  setRequestId,
  writeEndMarker,
} from './console-patch.mjs';
import { forwardTraceId, installLoopIdleHook } from './context.mjs';
import { toRapidResponse, UnhandledPromiseRejection } from './errors.mjs';
import { invokeLambda } from './lambda.mjs';
import { loadHandler } from './load-handler.mjs';
import { createRuntimeClient } from './runtime-client.mjs';
import { installAwsLambdaGlobal, invokeStreaming, isStreamingHandler } from './streaming.mjs';

/** Exit code for a crash outside the handler's own promise; the platform reports Runtime.ExitError. */
const EXIT_UNCAUGHT = 129;
const EXIT_INIT_FAILED = 1;
const EXIT_RUNTIME_API_FAILED = 1;

const env = process.env;

patchConsole(env.AWS_LAMBDA_LOG_LEVEL);
process.on('uncaughtException', (err) => {
  logError('Uncaught Exception', err);
  process.exit(EXIT_UNCAUGHT);
});
process.on('unhandledRejection', (reason, promise) => {
  logError('Unhandled Promise Rejection', new UnhandledPromiseRejection(reason, promise));
  process.exit(EXIT_UNCAUGHT);
});
installLoopIdleHook();
installAwsLambdaGlobal();

// Not awaited at top level: an entry module whose evaluation never ends is an "unsettled
// top-level await" to Node once the loop is idle.
main().catch((err) => {
  emit('ERROR', ['Runtime API failure:', err]);
  process.exit(EXIT_RUNTIME_API_FAILED);
});

async function main() {
  const client = createRuntimeClient(env);
  const flavour = env.NIMBUS_FLAVOUR === 'fc' ? 'fc' : 'lambda';
  if (env.NIMBUS_FLAVOUR && env.NIMBUS_FLAVOUR !== flavour) {
    console.warn(`Unknown NIMBUS_FLAVOUR '${env.NIMBUS_FLAVOUR}', using 'lambda'.`);
  }

  /** @type {import('./lambda.mjs').Invoker} */
  let invoke;
  /** @type {Function} */
  let handler;
  try {
    const taskRoot = env.LAMBDA_TASK_ROOT || process.cwd();
    handler = await loadHandler(taskRoot, env._HANDLER ?? '');
    invoke = await selectInvoker(flavour, handler);
    if (env.NIMBUS_INITIALIZER) {
      const { runInitializer } = await import('./initializer.mjs');
      await runInitializer(env.NIMBUS_INITIALIZER, taskRoot, flavour);
    }
  } catch (err) {
    logError('Uncaught Exception', err);
    await client.postInitError(toRapidResponse(err)).catch(() => {});
    process.exit(EXIT_INIT_FAILED);
  }

  for (;;) {
    const inv = await client.next();
    setRequestId(inv.requestId);
    forwardTraceId(inv.traceId);
    const outcome = await invoke(handler, inv, client);
    if (outcome.kind === 'streamed') continue;
    if (outcome.kind === 'error') logError('Invoke Error', outcome.error);
    writeEndMarker(inv.requestId);
    if (outcome.kind === 'error') {
      await client.postError(inv.requestId, toRapidResponse(outcome.error));
    } else {
      await client.postResponse(inv.requestId, outcome.body, outcome.contentType);
    }
  }
}

/**
 * One invoker per calling convention. FC's HTTP handler `(req, resp, context)` will be one
 * more here, chosen by how the platform marks HTTP invocations.
 *
 * @param {'lambda' | 'fc'} flavour
 * @param {Function} handler
 * @returns {Promise<import('./lambda.mjs').Invoker>}
 */
async function selectInvoker(flavour, handler) {
  if (flavour === 'fc') return (await import('./fc.mjs')).invokeFc;
  return isStreamingHandler(handler) ? invokeStreaming : invokeLambda;
}
