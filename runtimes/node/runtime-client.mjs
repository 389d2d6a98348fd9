// Client of the Lambda Runtime API (/2018-06-01/runtime/...), over Nimbus's Unix socket when
// NIMBUS_RUNTIME_SOCKET is set, else TCP to AWS_LAMBDA_RUNTIME_API. With NIMBUS_RUNTIME_FRAMES=1
// (and the socket) the same calls go over Nimbus's framed channel instead (frames.mjs).
// One keep-alive connection (http-wire.mjs), one request at a time.
import { createFramedClient } from './frames.mjs';
import { openConnection } from './http-wire.mjs';

const PREFIX = '/2018-06-01/runtime';
export const ERROR_TYPE_HEADER = 'Lambda-Runtime-Function-Error-Type';
export const ERROR_BODY_TRAILER = 'Lambda-Runtime-Function-Error-Body';

/**
 * @typedef {object} Invocation
 * @property {string} requestId
 * @property {number} deadlineMs  epoch ms
 * @property {string | undefined} invokedFunctionArn
 * @property {string | undefined} traceId
 * @property {string | undefined} clientContext  raw JSON
 * @property {string | undefined} cognitoIdentity  raw JSON
 * @property {string | undefined} tenantId
 * @property {string | undefined} contentType  the event's Content-Type
 * @property {Buffer} body
 */
/** @typedef {import('./http-wire.mjs').HttpResponse} ApiResponse */

/**
 * The event a /next answer carries.
 * @param {ApiResponse} res
 * @returns {Invocation}
 */
function toInvocation(res) {
  if (res.status !== 200) {
    throw new Error(`Runtime API /next answered ${res.status}: ${res.body.toString()}`);
  }
  const h = res.headers;
  const requestId = h['lambda-runtime-aws-request-id'];
  if (!requestId) throw new Error('Runtime API /next sent no Lambda-Runtime-Aws-Request-Id');
  return {
    requestId,
    deadlineMs: Number(h['lambda-runtime-deadline-ms']),
    invokedFunctionArn: h['lambda-runtime-invoked-function-arn'] || undefined,
    traceId: h['lambda-runtime-trace-id'] || undefined,
    clientContext: h['lambda-runtime-client-context'] || undefined,
    cognitoIdentity: h['lambda-runtime-cognito-identity'] || undefined,
    tenantId: h['lambda-runtime-aws-tenant-id'] || undefined,
    contentType: h['content-type'] || undefined,
    body: res.body,
  };
}

/**
 * @param {NodeJS.ProcessEnv} env
 * @example
 *   const client = createRuntimeClient(process.env);
 *   const inv = await client.next();
 *   await client.postResponse(inv.requestId, '"ok"', 'application/json');
 */
export function createRuntimeClient(env) {
  if (env.NIMBUS_RUNTIME_FRAMES === '1' && env.NIMBUS_RUNTIME_SOCKET) {
    return createFramedClient(env.NIMBUS_RUNTIME_SOCKET);
  }
  return createHttpClient(env);
}

/**
 * The Runtime API over HTTP/1.1.
 * @param {NodeJS.ProcessEnv} env
 */
function createHttpClient(env) {
  /** @type {import('node:net').NetConnectOpts} */
  let target;
  if (env.NIMBUS_RUNTIME_SOCKET) {
    target = { path: env.NIMBUS_RUNTIME_SOCKET };
  } else {
    const api = env.AWS_LAMBDA_RUNTIME_API;
    if (!api) throw new Error('neither NIMBUS_RUNTIME_SOCKET nor AWS_LAMBDA_RUNTIME_API is set');
    const colon = api.lastIndexOf(':');
    const host = api.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
    target = { host, port: Number(api.slice(colon + 1)), noDelay: true };
  }
  const hostHeader = env.NIMBUS_RUNTIME_SOCKET ? 'localhost' : (env.AWS_LAMBDA_RUNTIME_API ?? '');

  const connection = openConnection(target);
  const exchange = connection.exchange;
  const NEXT = `GET ${PREFIX}/invocation/next HTTP/1.1\r\nHost: ${hostHeader}\r\n\r\n`;

  /**
   * The request head.
   * @param {string} method
   * @param {string} path
   * @param {Record<string, string | number>} headers
   * @param {string | Buffer} body
   */
  function head(method, path, headers, body) {
    let text = `${method} ${path} HTTP/1.1\r\nHost: ${hostHeader}\r\n`;
    for (const name in headers) text += `${name}: ${headers[name]}\r\n`;
    return method === 'GET'
      ? `${text}\r\n`
      : `${text}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n`;
  }

  /**
   * Writes a request (head, then body), and `after` behind it, in one write.
   * @param {import('node:net').Socket} s
   * @param {string} text  the head
   * @param {string | Buffer} body
   * @param {string} [after]  a pipelined request that follows
   */
  function write(s, text, body, after = '') {
    if (typeof body === 'string') return void s.write(text + body + after);
    s.cork();
    s.write(text);
    s.write(body);
    if (after) s.write(after);
    s.uncork();
  }

  /**
   * A buffered request; retried once when a reused keep-alive socket turns out to be closed.
   * @param {string} method
   * @param {string} path
   * @param {Record<string, string | number>} [headers]
   * @param {string | Buffer} [body]
   * @returns {Promise<ApiResponse>}
   */
  async function send(method, path, headers = {}, body = '') {
    const text = head(method, path, headers, body);
    for (let attempt = 0; ; attempt++) {
      const { socket: s, response } = exchange();
      write(s, text, body);
      try {
        return await response;
      } catch (err) {
        if (attempt > 0 || !(/** @type {{retryable?: boolean}} */ (err).retryable)) throw err;
      }
    }
  }

  /**
   * POSTs an invocation's answer and, in the same write, asks for the next event (HTTP/1.1
   * pipelining): the platform reads both at once, and /next waits there as soon as the
   * answer is in. Retried once, both, when a reused keep-alive socket turns out closed.
   * @param {string} path
   * @param {Record<string, string>} headers
   * @param {string | Buffer} body
   */
  function postThenNext(path, headers, body) {
    const text = head('POST', path, headers, body);
    const start = () => {
      const { socket: s, responses } = connection.exchanges(2);
      write(s, text, body, NEXT);
      const [posted, next] = /** @type {[Promise<ApiResponse>, Promise<ApiResponse>]} */ (
        responses
      );
      // Whoever awaits `next` still sees its failure; a retry replaces it.
      next.catch(() => {});
      return { posted, next };
    };
    const first = start();
    let next = first.next;
    const posted = first.posted.catch((err) => {
      if (!(/** @type {{retryable?: boolean}} */ (err).retryable)) throw err;
      const again = start();
      next = again.next;
      return again.posted;
    });
    // The answer to the POST comes first; `next` is decided (first try or retry) by then. A
    // platform that closed the connection after the answer (`Connection: close`) dropped the
    // pipelined /next unread: it is asked again on a new connection.
    const settled = () =>
      next.then(toInvocation, (err) => {
        if (!(/** @type {{unanswered?: boolean}} */ (err).unanswered)) throw err;
        return send('GET', `${PREFIX}/invocation/next`).then(toInvocation);
      });
    const nextInvocation = posted.then(settled, settled);
    // A caller that stops at a failed POST leaves `next` (failed too) unawaited: not a crash.
    nextInvocation.catch(() => {});
    return { posted: posted.then(checkPost(path)), next: nextInvocation };
  }

  /**
   * 4xx (too large, invocation already timed out) fails this invocation only; 5xx means the
   * platform is broken and the runtime must exit.
   * @param {string} path
   */
  const checkPost = (path) => (/** @type {ApiResponse} */ res) => {
    if (res.status >= 500) throw new Error(`Runtime API ${path} answered ${res.status}`);
    return res;
  };

  /**
   * @param {string} path
   * @param {string | Buffer} body
   * @param {Record<string, string>} headers
   */
  async function post(path, body, headers) {
    return checkPost(path)(await send('POST', path, headers, body));
  }

  return {
    /**
     * Opens the connection ahead of the first request, so that connecting overlaps with
     * loading the handler. Sends nothing: /next still marks the end of init.
     */
    preconnect() {
      connection.preconnect();
    },

    /**
     * Long-polls for the next event; no timeout.
     * @returns {Promise<Invocation>}
     */
    async next() {
      return toInvocation(await send('GET', `${PREFIX}/invocation/next`));
    },

    /**
     * @param {string} id
     * @param {string | Buffer} body
     * @param {string} contentType
     */
    postResponse(id, body, contentType) {
      const path = `${PREFIX}/invocation/${encodeURIComponent(id)}/response`;
      return post(path, body, { 'Content-Type': contentType });
    },

    /**
     * postResponse, with the next /next pipelined behind it.
     * @param {string} id
     * @param {string | Buffer} body
     * @param {string} contentType
     * @returns {{posted: Promise<ApiResponse>, next: Promise<Invocation>}}
     */
    postResponseThenNext(id, body, contentType) {
      const path = `${PREFIX}/invocation/${encodeURIComponent(id)}/response`;
      return postThenNext(path, { 'Content-Type': contentType }, body);
    },

    /**
     * The error type travels in the body only, as the Node RIC sends it.
     * @param {string} id
     * @param {{errorType: string}} errorResponse
     */
    postError(id, errorResponse) {
      const path = `${PREFIX}/invocation/${encodeURIComponent(id)}/error`;
      return post(path, JSON.stringify(errorResponse), { 'Content-Type': 'application/json' });
    },

    /**
     * postError, with the next /next pipelined behind it.
     * @param {string} id
     * @param {{errorType: string}} errorResponse
     * @returns {{posted: Promise<ApiResponse>, next: Promise<Invocation>}}
     */
    postErrorThenNext(id, errorResponse) {
      const path = `${PREFIX}/invocation/${encodeURIComponent(id)}/error`;
      const headers = { 'Content-Type': 'application/json' };
      return postThenNext(path, headers, JSON.stringify(errorResponse));
    },

    /** @param {{errorType: string}} errorResponse */
    postInitError(errorResponse) {
      return post(`${PREFIX}/init/error`, JSON.stringify(errorResponse), {
        'Content-Type': 'application/json',
        [ERROR_TYPE_HEADER]: errorResponse.errorType,
      });
    },

    /**
     * A chunked, streaming `POST .../response` (wire §1.4). The request head goes out with the
     * first chunk, so `head.contentType` may change until then.
     *
     * @param {string} id
     * @example
     *   const post = client.streamResponse(id);
     *   post.head.contentType = 'text/plain';
     *   post.write(Buffer.from('hi'), () => {});
     *   post.end({}, () => {});
     *   await post.response;
     */
    streamResponse(id) {
      const { socket: s, response } = exchange();
      // Whoever awaits `response` still sees a failure; nobody awaiting is not a crash.
      response.catch(() => {});
      const head = { contentType: 'application/octet-stream', sent: false };
      const sendHead = () => {
        if (head.sent) return;
        head.sent = true;
        s.write(
          `POST ${PREFIX}/invocation/${encodeURIComponent(id)}/response HTTP/1.1\r\n` +
            `Host: ${hostHeader}\r\nLambda-Runtime-Function-Response-Mode: streaming\r\n` +
            `Content-Type: ${head.contentType}\r\nTransfer-Encoding: chunked\r\n` +
            `Trailer: ${ERROR_TYPE_HEADER}, ${ERROR_BODY_TRAILER}\r\n\r\n`,
        );
      };
      return {
        head,
        response,
        /** @param {Buffer} data @param {(err?: Error | null) => void} callback */
        write(data, callback) {
          sendHead();
          if (data.length === 0) return void process.nextTick(callback);
          s.cork();
          s.write(`${data.length.toString(16)}\r\n`);
          s.write(data);
          s.write('\r\n', callback);
          s.uncork();
        },
        /** @param {Record<string, string>} trailers @param {(err?: Error | null) => void} callback */
        end(trailers, callback) {
          sendHead();
          let last = '0\r\n';
          for (const name in trailers) last += `${name}: ${trailers[name]}\r\n`;
          s.write(`${last}\r\n`, callback);
        },
      };
    },
  };
}

/** @typedef {ReturnType<typeof createHttpClient> & {log?: (text: string) => void}} RuntimeClient */
/** @typedef {ReturnType<RuntimeClient['streamResponse']>} StreamingPost */
