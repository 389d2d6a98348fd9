// Client of the Lambda Runtime API (/2018-06-01/runtime/...), over Nimbus's Unix socket when
// NIMBUS_RUNTIME_SOCKET is set, else TCP to AWS_LAMBDA_RUNTIME_API.
// One keep-alive connection (http-wire.mjs), one request at a time.
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
 * @param {NodeJS.ProcessEnv} env
 * @example
 *   const client = createRuntimeClient(process.env);
 *   const inv = await client.next();
 *   await client.postResponse(inv.requestId, '"ok"', 'application/json');
 */
export function createRuntimeClient(env) {
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

  /**
   * A buffered request; retried once when a reused keep-alive socket turns out to be closed.
   * @param {string} method
   * @param {string} path
   * @param {Record<string, string | number>} [headers]
   * @param {string | Buffer} [body]
   * @returns {Promise<ApiResponse>}
   */
  async function send(method, path, headers = {}, body = '') {
    const length = Buffer.byteLength(body);
    let head = `${method} ${path} HTTP/1.1\r\nHost: ${hostHeader}\r\n`;
    for (const name in headers) head += `${name}: ${headers[name]}\r\n`;
    head += method === 'GET' ? '\r\n' : `Content-Length: ${length}\r\n\r\n`;
    for (let attempt = 0; ; attempt++) {
      const { socket: s, response } = exchange();
      if (typeof body === 'string') s.write(head + body);
      else {
        s.write(head);
        s.write(body);
      }
      try {
        return await response;
      } catch (err) {
        if (attempt > 0 || !(/** @type {{retryable?: boolean}} */ (err).retryable)) throw err;
      }
    }
  }

  /**
   * @param {string} path
   * @param {string | Buffer} body
   * @param {Record<string, string>} headers
   */
  async function post(path, body, headers) {
    const res = await send('POST', path, headers, body);
    // 4xx (too large, invocation already timed out) fails this invocation only; 5xx means
    // the platform is broken and the runtime must exit.
    if (res.status >= 500) throw new Error(`Runtime API ${path} answered ${res.status}`);
    return res;
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
      const res = await send('GET', `${PREFIX}/invocation/next`);
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
     * The error type travels in the body only, as the Node RIC sends it.
     * @param {string} id
     * @param {{errorType: string}} errorResponse
     */
    postError(id, errorResponse) {
      const path = `${PREFIX}/invocation/${encodeURIComponent(id)}/error`;
      return post(path, JSON.stringify(errorResponse), { 'Content-Type': 'application/json' });
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

/** @typedef {ReturnType<typeof createRuntimeClient>} RuntimeClient */
/** @typedef {ReturnType<RuntimeClient['streamResponse']>} StreamingPost */
