// The Function Compute calling convention (NIMBUS_FLAVOUR=fc, wire reference §3.7): the event
// is a Buffer of the raw body; callback(err, data) or a returned promise gives the result.
// FC's HTTP handler `(req, resp, context)` is fc-http.mjs, chosen per event in bootstrap.mjs.
import { levelFunctions } from './console-patch.mjs';
import { isThenable, onLoopIdle, settleOnce } from './context.mjs';
import { NodeJsExit } from './errors.mjs';

const env = process.env;
const logger = levelFunctions(env.AWS_LAMBDA_LOG_LEVEL);

/** @param {string | undefined} value */
const num = (value) => (value === undefined || value === '' ? undefined : Number(value));

/**
 * FC's context object. A fresh one per invocation, so a handler's changes do not leak.
 *
 * @param {string} requestId
 */
export function fcContext(requestId) {
  return {
    requestId,
    credentials: {
      accessKeyId: env.AWS_ACCESS_KEY_ID,
      accessKeySecret: env.AWS_SECRET_ACCESS_KEY,
      securityToken: env.AWS_SESSION_TOKEN,
    },
    function: {
      name: env.AWS_LAMBDA_FUNCTION_NAME,
      handler: env._HANDLER,
      memory: num(env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE),
      timeout: num(env.NIMBUS_FUNCTION_TIMEOUT_S),
      initializer: env.NIMBUS_INITIALIZER || undefined,
      initializationTimeout: num(env.NIMBUS_INITIALIZATION_TIMEOUT_S),
    },
    service: {
      name: env.NIMBUS_SERVICE_NAME,
      // Nimbus's log group and stream stand in for FC's SLS project and store.
      logProject: env.AWS_LAMBDA_LOG_GROUP_NAME,
      logStore: env.AWS_LAMBDA_LOG_STREAM_NAME,
      qualifier: env.NIMBUS_QUALIFIER,
      versionId: env.AWS_LAMBDA_FUNCTION_VERSION,
    },
    region: env.AWS_REGION,
    accountId: env.NIMBUS_ACCOUNT_ID,
    logger,
  };
}

/**
 * FC's result rules: Buffer as is, string as is, object → JSON, anything else → String();
 * no data is an empty body.
 *
 * @param {unknown} data
 * @returns {import('./lambda.mjs').Outcome}
 */
export function fcResponse(data) {
  if (data === undefined)
    return { kind: 'response', body: '', contentType: 'application/octet-stream' };
  if (Buffer.isBuffer(data))
    return { kind: 'response', body: data, contentType: 'application/octet-stream' };
  if (data instanceof Uint8Array) {
    return { kind: 'response', body: Buffer.from(data), contentType: 'application/octet-stream' };
  }
  if (typeof data === 'string') {
    return { kind: 'response', body: data, contentType: 'text/plain; charset=utf-8' };
  }
  if (typeof data === 'object') {
    try {
      return { kind: 'response', body: JSON.stringify(data), contentType: 'application/json' };
    } catch {
      return { kind: 'error', error: new Error('Unable to stringify response body') };
    }
  }
  return { kind: 'response', body: String(data), contentType: 'text/plain; charset=utf-8' };
}

/** @type {import('./lambda.mjs').Invoker} */
export function invokeFc(handler, inv) {
  return new Promise((resolve) => {
    /** @type {(outcome: import('./lambda.mjs').Outcome) => void} */
    const settle = settleOnce(resolve);
    /** @param {unknown} error */
    const fail = (error) => settle({ kind: 'error', error: error ?? 'handled' });
    /** @param {unknown} err @param {unknown} [data] */
    const callback = (err, data) => (err != null ? fail(err) : settle(fcResponse(data)));

    let returnedPromise = false;
    onLoopIdle(() =>
      returnedPromise
        ? fail(new NodeJsExit('The handler returned a Promise that was never settled.'))
        : settle(fcResponse(undefined)),
    );
    try {
      const result = handler(inv.body, fcContext(inv.requestId), callback);
      if (isThenable(result)) {
        returnedPromise = true;
        result.then((data) => settle(fcResponse(data)), fail);
      }
    } catch (err) {
      fail(err);
    }
  });
}
