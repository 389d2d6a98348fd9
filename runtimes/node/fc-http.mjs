// Function Compute's HTTP-trigger handler form `(req, resp, context)` (NIMBUS_FLAVOUR=fc, wire
// reference §3.7). The gateway sends the request as a JSON event with Content-Type
// application/vnd.nimbus.fc-http-request+json; the answer goes back as JSON with Content-Type
// application/vnd.nimbus.fc-http-response+json. Both shapes: docs/runtime-contract.md.
import { Readable } from 'node:stream';
import { isThenable, onLoopIdle, settleOnce } from './context.mjs';
import { NodeJsExit } from './errors.mjs';
import { fcContext } from './fc.mjs';

const RESPONSE_TYPE = 'application/vnd.nimbus.fc-http-response+json';
/** Response headers FC ignores. */
const IGNORED = /^(connection|content-length|date|keep-alive|server|upgrade|x-fc-.*)$/i;

/**
 * @typedef {object} FcHttpEvent
 * @property {string} method
 * @property {string} path
 * @property {string} url
 * @property {string} clientIP
 * @property {Record<string, string>} headers
 * @property {Record<string, string | string[]>} queries
 * @property {string} body  base64
 */

/**
 * FC's `req`: the request's fields, `req.body` as a Buffer, and the body again as a readable
 * stream (older FC code reads it with `getRawBody(req)`).
 */
class FcRequest extends Readable {
  /** @param {FcHttpEvent} ev */
  constructor(ev) {
    super();
    this.method = ev.method;
    this.path = ev.path;
    this.url = ev.url;
    this.clientIP = ev.clientIP;
    this.headers = ev.headers;
    this.queries = ev.queries;
    this.body = Buffer.from(ev.body ?? '', 'base64');
    this.push(this.body);
    this.push(null);
  }

  _read() {}
}

/** FC's `resp`: status and headers until `send(body)`, which ends the invocation. */
class FcResponse {
  #statusCode = 200;
  /** @type {Map<string, string | string[]>} */
  #headers = new Map();
  #sent = false;
  /** @type {(outcome: import('./lambda.mjs').Outcome) => void} */
  #settle;

  /** @param {(outcome: import('./lambda.mjs').Outcome) => void} settle */
  constructor(settle) {
    this.#settle = settle;
  }

  /** @param {number} code */
  setStatusCode(code) {
    if (!Number.isInteger(code) || code < 100 || code > 599) {
      throw new TypeError(`invalid status code: ${code}`);
    }
    this.#statusCode = code;
  }

  /** @param {string} name @param {string | number | string[]} value */
  setHeader(name, value) {
    if (IGNORED.test(name)) return;
    this.#headers.set(name.toLowerCase(), Array.isArray(value) ? value.map(String) : String(value));
  }

  /** @param {string} name */
  deleteHeader(name) {
    this.#headers.delete(name.toLowerCase());
  }

  /** @param {Buffer | Uint8Array | string | Readable} [body] */
  send(body) {
    if (this.#sent) {
      console.warn('resp.send() was called more than once; only the first counts.');
      return;
    }
    this.#sent = true;
    if (body instanceof Readable) {
      /** @type {Buffer[]} */
      const chunks = [];
      body.on('data', (c) => chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c)));
      body.on('end', () => this.#finish(Buffer.concat(chunks)));
      body.on('error', (err) => this.#settle({ kind: 'error', error: err }));
      return;
    }
    let bytes;
    if (body === undefined || body === null) bytes = Buffer.alloc(0);
    else if (typeof body === 'string') bytes = Buffer.from(body);
    else if (body instanceof Uint8Array) bytes = Buffer.from(body);
    else bytes = Buffer.from(JSON.stringify(body));
    this.#finish(bytes);
  }

  /** @param {Buffer} bytes */
  #finish(bytes) {
    const answer = {
      statusCode: this.#statusCode,
      headers: Object.fromEntries(this.#headers),
      body: bytes.toString('base64'),
    };
    this.#settle({ kind: 'response', body: JSON.stringify(answer), contentType: RESPONSE_TYPE });
  }
}

/** @type {import('./lambda.mjs').Invoker} */
export function invokeFcHttp(handler, inv) {
  return new Promise((resolve) => {
    /** @type {(outcome: import('./lambda.mjs').Outcome) => void} */
    const settle = settleOnce(resolve);
    /** @param {unknown} error */
    const fail = (error) => settle({ kind: 'error', error: error ?? 'handled' });
    onLoopIdle(() => fail(new NodeJsExit('The HTTP handler ended without calling resp.send().')));
    try {
      const req = new FcRequest(JSON.parse(inv.body.toString('utf8')));
      const result = handler(req, new FcResponse(settle), fcContext(inv.requestId));
      if (isThenable(result)) result.then(undefined, fail);
    } catch (err) {
      fail(err);
    }
  });
}
