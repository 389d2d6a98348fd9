// The Lambda calling convention, buffered: `handler(event, context, callback)` with a promise,
// a callback, or the legacy context.done/succeed/fail — settled as the Node RIC settles them.
import { attachInvocationData, clearLoopIdle, isThenable, onLoopIdle } from './context.mjs';
import { NodeJsExit } from './errors.mjs';

/** @typedef {import('./runtime-client.mjs').Invocation} Invocation */
/**
 * What an invocation came to. The bootstrap writes the end marker and POSTs it; a
 * streamed response has been sent already.
 * @typedef {{kind: 'response', body: string | Buffer, contentType: string}
 *   | {kind: 'error', error: unknown}
 *   | {kind: 'streamed'}} Outcome
 */
/** @typedef {(handler: Function, inv: Invocation, client: import('./runtime-client.mjs').RuntimeClient) => Promise<Outcome>} Invoker */

/**
 * The event is JSON; an empty body is `{}` (the platform substitutes it already).
 * @param {Buffer} body
 */
export function parseEvent(body) {
  return body.length === 0 ? {} : JSON.parse(body.toString('utf8'));
}

/**
 * `JSON.stringify(result)`, `undefined` → `null`; an unserializable result is an error.
 * @param {unknown} result
 * @returns {Outcome}
 */
export function jsonResponse(result) {
  try {
    const body = JSON.stringify(result === undefined ? null : result) ?? 'null';
    return { kind: 'response', body, contentType: 'application/json' };
  } catch {
    return { kind: 'error', error: new Error('Unable to stringify response body') };
  }
}

/** @param {Function} fn */
export function isAsyncFunction(fn) {
  return fn.constructor?.name === 'AsyncFunction';
}

/** @type {Invoker} */
export function invokeLambda(handler, inv) {
  return new Promise((resolve) => {
    /** @param {Outcome} outcome */
    const settle = (outcome) => {
      clearLoopIdle();
      resolve(outcome);
    };
    /** @param {unknown} error */
    const fail = (error) => settle({ kind: 'error', error });
    /** @param {unknown} err @param {unknown} [result] */
    const done = (err, result) => (err != null ? fail(err) : settle(jsonResponse(result)));

    // Only the first of callback/done/succeed/fail counts (the RIC's onlyAllowFirstCall).
    let finished = false;
    /** @template {unknown[]} A @param {(...args: A) => void} fn */
    const first =
      (fn) =>
      /** @param {A} args */
      (...args) => {
        if (finished) return;
        finished = true;
        fn(...args);
      };

    let waitForEmptyLoop = true;
    const callback = first((/** @type {unknown} */ err, /** @type {unknown} */ result) => {
      if (err != null) fail(err);
      else if (!waitForEmptyLoop) settle(jsonResponse(result));
      // Respond once the handler's timers, sockets, ... are done, as Lambda does.
      else onLoopIdle(() => settle(jsonResponse(result)));
    });
    const context = {
      get callbackWaitsForEmptyEventLoop() {
        return waitForEmptyLoop;
      },
      set callbackWaitsForEmptyEventLoop(value) {
        waitForEmptyLoop = value;
      },
      done: first(done),
      succeed: first((/** @type {unknown} */ result) => done(null, result)),
      fail: first((/** @type {unknown} */ err) => done(err ?? 'handled')),
    };

    // Nothing left to run and nobody answered: an async handler's promise can no longer
    // settle (Runtime.NodeJsExit); a callback handler that never called back returns null.
    let isAsync = isAsyncFunction(handler);
    onLoopIdle(
      first(() =>
        isAsync
          ? fail(new NodeJsExit('The handler returned a Promise that was never settled.'))
          : settle(jsonResponse(null)),
      ),
    );

    try {
      const event = parseEvent(inv.body);
      const result = handler(event, attachInvocationData(context, inv), callback);
      if (isThenable(result)) {
        isAsync = true;
        result.then(context.succeed, context.fail);
      }
    } catch (err) {
      first(fail)(err ?? 'handled');
    }
  });
}
