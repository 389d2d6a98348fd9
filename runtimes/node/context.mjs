// The Lambda `context` object, and the "event loop is empty" hook that callback-style
// handlers (callbackWaitsForEmptyEventLoop) and never-settling handlers rely on. Importing
// this module installs the one 'beforeExit' listener behind onLoopIdle().

/** @typedef {import('./runtime-client.mjs').Invocation} Invocation */

const env = process.env;
// Read once: the function's configuration does not change within an instance.
const functionData = {
  functionName: env.AWS_LAMBDA_FUNCTION_NAME,
  functionVersion: env.AWS_LAMBDA_FUNCTION_VERSION,
  memoryLimitInMB: env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
  logGroupName: env.AWS_LAMBDA_LOG_GROUP_NAME,
  logStreamName: env.AWS_LAMBDA_LOG_STREAM_NAME,
};

/** @type {(() => void) | undefined} */
let idleListener;

/**
 * Runs `listener` (once) the next time the event loop has nothing left to do — Node's
 * 'beforeExit'. Replaces any listener set before.
 *
 * @param {() => void} listener
 */
export function onLoopIdle(listener) {
  idleListener = listener;
}

export function clearLoopIdle() {
  idleListener = undefined;
}

/**
 * An invocation's outcome is settled once: later calls are ignored, and the
 * empty-event-loop watch is dropped when it is.
 * @template T
 * @param {(outcome: T) => void} resolve
 * @returns {(outcome: T) => void}
 */
export function settleOnce(resolve) {
  let finished = false;
  return (outcome) => {
    if (finished) return;
    finished = true;
    clearLoopIdle();
    resolve(outcome);
  };
}

process.on('beforeExit', () => {
  const listener = idleListener;
  idleListener = undefined;
  listener?.();
});

/** @param {unknown} value @returns {value is PromiseLike<unknown>} */
export function isThenable(value) {
  return typeof (/** @type {{then?: unknown} | null} */ (value)?.then) === 'function';
}

/**
 * @param {string | undefined} json
 * @param {string} name
 */
function parseHeaderJson(json, name) {
  if (json === undefined) return undefined;
  try {
    return JSON.parse(json);
  } catch (err) {
    throw new Error(`Cannot parse ${name} as json: ${String(err)}`);
  }
}

/**
 * Adds the invocation's data to `target` (which carries the callback helpers).
 * Throws when the client context or identity header is not JSON (an invocation error).
 *
 * @template {object} T
 * @param {T} target
 * @param {Invocation} inv
 */
export function attachInvocationData(target, inv) {
  const deadlineMs = inv.deadlineMs;
  return Object.assign(target, functionData, {
    invokedFunctionArn: inv.invokedFunctionArn,
    awsRequestId: inv.requestId,
    tenantId: inv.tenantId,
    clientContext: parseHeaderJson(inv.clientContext, 'ClientContext'),
    identity: parseHeaderJson(inv.cognitoIdentity, 'CognitoIdentity'),
    getRemainingTimeInMillis: () => deadlineMs - Date.now(),
  });
}

/**
 * The context an initializer gets in the lambda flavour: the function's data, an ARN built
 * from the environment, and the time left of the initialization timeout.
 *
 * @param {number} deadlineMs
 */
export function initContext(deadlineMs) {
  const qualifier = env.NIMBUS_QUALIFIER ? `:${env.NIMBUS_QUALIFIER}` : '';
  const arn = `arn:aws:lambda:${env.AWS_REGION}:${env.NIMBUS_ACCOUNT_ID}:function:${env.AWS_LAMBDA_FUNCTION_NAME}${qualifier}`;
  return {
    ...functionData,
    invokedFunctionArn: arn,
    awsRequestId: undefined,
    getRemainingTimeInMillis: () => deadlineMs - Date.now(),
  };
}
