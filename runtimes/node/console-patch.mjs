// Lambda's text log format on stdout, and the end-of-invocation marker (docs/runtime-contract.md).
// Every write is a synchronous write(2) on fd 1, so log lines, the marker and the POST that
// follows them happen in program order.
import { writeSync } from 'node:fs';
import { format } from 'node:util';
import { toFormatted } from './errors.mjs';

/** @typedef {'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'FATAL'} Level */
/** @typedef {(...args: unknown[]) => void} LogFn */

/** @type {Record<Level, number>} */
const PRIORITY = { TRACE: 1, DEBUG: 2, INFO: 3, WARN: 4, ERROR: 5, FATAL: 6 };
const NEWLINES = /\n/g;

/** @type {string | undefined} printed as "undefined" before the first invocation, as on Lambda */
let requestId;

/** @param {string | undefined} id */
export function setRequestId(id) {
  requestId = id;
}

/** @type {Int32Array | undefined} */
let sleeper;

/**
 * Writes all of `text` to fd 1. fd 1 turns non-blocking once something touches
 * `process.stdout`; a full pipe then answers EAGAIN and we wait a millisecond.
 *
 * @param {string} text
 */
export function writeStdout(text) {
  /** @type {Buffer | undefined} */
  let rest;
  for (;;) {
    try {
      if (rest === undefined) {
        const written = writeSync(1, text);
        if (written === Buffer.byteLength(text)) return;
        rest = Buffer.from(text).subarray(written);
      } else {
        rest = rest.subarray(writeSync(1, rest));
        if (rest.length === 0) return;
      }
    } catch (err) {
      // Anything but a full pipe (EPIPE: the platform went away) drops the line.
      if (/** @type {NodeJS.ErrnoException} */ (err).code !== 'EAGAIN') return;
      sleeper ??= new Int32Array(new SharedArrayBuffer(4));
      Atomics.wait(sleeper, 0, 0, 1);
    }
  }
}

/** @type {((text: string) => void) | null} where log text goes instead of fd 1 (framed channel) */
let sink = null;

/**
 * Sends every log line, and whatever user code writes to process.stdout / process.stderr,
 * to `logSink` (the framed channel, in order with the answers) instead of fd 1; the end
 * marker is then not needed.
 * @param {(text: string) => void} logSink
 */
export function setLogSink(logSink) {
  sink = logSink;
  for (const stream of [process.stdout, process.stderr]) {
    /** @type {(chunk: string | Uint8Array, encoding?: BufferEncoding | Function, cb?: Function) => boolean} */
    const write = (chunk, encoding, cb) => {
      logSink(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      const done = typeof encoding === 'function' ? encoding : cb;
      if (done) process.nextTick(done);
      return true;
    };
    Object.defineProperty(stream, 'write', { value: write, writable: true, configurable: true });
  }
}

/**
 * One record: `<ISO time>\t<requestId>\t<LEVEL>\t<util.format(...args)>`, newlines as `\r`.
 *
 * @param {Level} level
 * @param {unknown[]} args
 */
export function emit(level, args) {
  const message = format(...args).replace(NEWLINES, '\r');
  const line = `${new Date().toISOString()}\t${requestId}\t${level}\t${message}\n`;
  if (sink) sink(line);
  else writeStdout(line);
}

/**
 * Logs an error as the RIC does: `ERROR\t<label> \t{"errorType",...,"stack":[...]}`.
 *
 * @param {string} label  "Invoke Error", "Uncaught Exception", ...
 * @param {unknown} error
 */
export function logError(label, error) {
  emit('ERROR', [label, toFormatted(error)]);
}

/** @param {string} id */
export function writeEndMarker(id) {
  if (sink) return;
  writeStdout(`\u0000NIMBUS-END ${id}\n`);
}

/**
 * The level functions, honouring `AWS_LAMBDA_LOG_LEVEL` (lines below it are dropped).
 *
 * @param {string | undefined} minLevel
 * @returns {Record<'trace' | 'debug' | 'info' | 'log' | 'warn' | 'error' | 'fatal', LogFn>}
 */
export function levelFunctions(minLevel) {
  const min = PRIORITY[/** @type {Level} */ ((minLevel ?? '').toUpperCase())] ?? PRIORITY.TRACE;
  const nop = () => {};
  /** @param {Level} level @returns {LogFn} */
  const at = (level) => (PRIORITY[level] >= min ? (...args) => emit(level, args) : nop);
  const info = at('INFO');
  return {
    trace: at('TRACE'),
    debug: at('DEBUG'),
    info,
    log: info,
    warn: at('WARN'),
    error: at('ERROR'),
    fatal: at('FATAL'),
  };
}

/**
 * Replaces console.log/info/warn/error/debug/trace (and adds console.fatal like Lambda).
 *
 * @param {string | undefined} minLevel  AWS_LAMBDA_LOG_LEVEL
 */
export function patchConsole(minLevel) {
  Object.assign(console, levelFunctions(minLevel));
}
