// Runtime error types and the wire shape of errors, as Lambda's Node runtime (the RIC) has them.
import { types } from 'node:util';

/**
 * @param {string} type  the part after `Runtime.`
 * @returns {new (message: string) => Error}
 */
function runtimeErrorClass(type) {
  const RuntimeError = class extends Error {};
  // On the prototype, so the name is part of `stack` and is not an own enumerable property.
  Object.defineProperty(RuntimeError.prototype, 'name', {
    value: `Runtime.${type}`,
    writable: true,
    configurable: true,
  });
  return RuntimeError;
}

export const ImportModuleError = runtimeErrorClass('ImportModuleError');
export const UserCodeSyntaxError = runtimeErrorClass('UserCodeSyntaxError');
export const HandlerNotFound = runtimeErrorClass('HandlerNotFound');
export const MalformedHandlerName = runtimeErrorClass('MalformedHandlerName');
export const InitializerError = runtimeErrorClass('InitializerError');
export const MalformedStreamingHandler = runtimeErrorClass('MalformedStreamingHandler');
export const InvalidStreamingOperation = runtimeErrorClass('InvalidStreamingOperation');
export const NodeJsExit = runtimeErrorClass('NodeJsExit');

export class UnhandledPromiseRejection extends runtimeErrorClass('UnhandledPromiseRejection') {
  /** @param {unknown} reason @param {Promise<unknown>} promise */
  constructor(reason, promise) {
    super(String(reason));
    this.reason = reason;
    this.promise = promise;
  }
}

/**
 * Wraps a user-code failure in a runtime error type. The message is `String(cause)`
 * ("Error: boom"), as the RIC does; the cause's stack is kept when `keepStack`, so the
 * trace points at the user's line rather than at the runtime.
 *
 * @param {new (message: string) => Error} RuntimeError
 * @param {unknown} cause
 * @param {boolean} keepStack
 */
export function wrapError(RuntimeError, cause, keepStack) {
  const error = new RuntimeError(safeString(cause));
  if (keepStack && isErrorLike(cause)) error.stack = cause.stack;
  return error;
}

/** @param {unknown} value @returns {value is Error} */
export function isErrorLike(value) {
  if (types.isNativeError(value)) return true;
  const v = /** @type {{name?: unknown, message?: unknown, stack?: unknown} | null} */ (value);
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.name === 'string' &&
    typeof v.message === 'string' &&
    typeof v.stack === 'string'
  );
}

/** @param {unknown} value */
function safeString(value) {
  try {
    return String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/**
 * The body POSTed to `/error` and `/init/error`. A thrown non-Error becomes
 * `{errorType: typeof value, errorMessage: String(value), trace: []}` (the RIC's choice:
 * `throw 'nope'` reports errorType "string").
 *
 * @param {unknown} error
 * @returns {{errorType: string, errorMessage: string, trace: string[]}}
 */
export function toRapidResponse(error) {
  try {
    if (isErrorLike(error)) {
      const name = error.name || error.constructor?.name || 'Error';
      const stack = typeof error.stack === 'string' ? error.stack.split('\n') : [];
      return { errorType: name, errorMessage: String(error.message), trace: stack };
    }
    return { errorType: typeof error, errorMessage: String(error), trace: [] };
  } catch {
    return {
      errorType: 'handled',
      errorMessage:
        'callback called with Error argument, but there was a problem while retrieving one or more of its message, name, and stack',
      trace: [],
    };
  }
}

/**
 * The JSON the RIC prints after "Invoke Error" / "Uncaught Exception", tab first:
 * `{"errorType","errorMessage",...own enumerable props,"stack":[lines]}`.
 *
 * @param {unknown} error
 */
export function toFormatted(error) {
  const err = isErrorLike(error) ? error : new Error(safeString(error));
  try {
    return `\t${JSON.stringify(err, (_key, value) => withEnumerableProperties(value))}`;
  } catch {
    return `\t${JSON.stringify(toRapidResponse(err))}`;
  }
}

/** @param {unknown} value */
function withEnumerableProperties(value) {
  if (!(value instanceof Error)) return value;
  /** @type {Record<string, unknown>} */
  const out = {
    errorType: value.name,
    errorMessage: value.message,
    code: /** @type {{code?: unknown}} */ (value).code,
    ...value,
  };
  if (typeof value.stack === 'string') out.stack = value.stack.split('\n');
  return out;
}
