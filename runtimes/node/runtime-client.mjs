// Client of the Lambda Runtime API (/2018-06-01/runtime/...), over Nimbus's Unix socket when
// NIMBUS_RUNTIME_SOCKET is set, else TCP to AWS_LAMBDA_RUNTIME_API. One keep-alive connection.
import http from 'node:http';

const PREFIX = '/2018-06-01/runtime';
const ERROR_TYPE_HEADER = 'Lambda-Runtime-Function-Error-Type';
export const TRAILER_ERROR_TYPE = 'Lambda-Runtime-Function-Error-Type';
export const TRAILER_ERROR_BODY = 'Lambda-Runtime-Function-Error-Body';

/**
 * @typedef {object} Invocation
 * @property {string} requestId
 * @property {number} deadlineMs  epoch ms
 * @property {string | undefined} invokedFunctionArn
 * @property {string | undefined} traceId
 * @property {string | undefined} clientContext  raw JSON
 * @property {string | undefined} cognitoIdentity  raw JSON
 * @property {string | undefined} tenantId
 * @property {Buffer} body
 */

/** @typedef {{status: number, body: Buffer}} ApiResponse */

/** @param {string | string[] | undefined} value */
const header = (value) => (Array.isArray(value) ? value[0] : value) || undefined;

/**
 * @param {NodeJS.ProcessEnv} env
 * @example
 *   const client = createRuntimeClient(process.env);
 *   const inv = await client.next();
 *   await client.postResponse(inv.requestId, '"ok"', 'application/json');
 */
export function createRuntimeClient(env) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  /** @type {http.RequestOptions} */
  const target = { agent };
  if (env.NIMBUS_RUNTIME_SOCKET) {
    target.socketPath = env.NIMBUS_RUNTIME_SOCKET;
  } else {
    const api = env.AWS_LAMBDA_RUNTIME_API;
    if (!api) throw new Error('neither NIMBUS_RUNTIME_SOCKET nor AWS_LAMBDA_RUNTIME_API is set');
    const colon = api.lastIndexOf(':');
    target.host = api.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
    target.port = Number(api.slice(colon + 1));
  }

  /**
   * @param {string} method
   * @param {string} path
   * @param {http.OutgoingHttpHeaders} [headers]
   * @param {string | Buffer} [body]
   * @param {boolean} [retried]
   * @returns {Promise<ApiResponse & {headers: http.IncomingHttpHeaders}>}
   */
  function send(method, path, headers, body, retried = false) {
    return new Promise((resolve, reject) => {
      const req = http.request({ ...target, method, path, headers }, (res) => {
        /** @type {Buffer[]} */
        const chunks = [];
        res.on('data', (chunk) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const data = chunks.length === 1 ? /** @type {Buffer} */ (chunks[0]) : Buffer.concat(chunks);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: data });
        });
      });
      req.on('error', (err) => {
        // The server may close an idle keep-alive connection just as we reuse it.
        const reset = /** @type {NodeJS.ErrnoException} */ (err).code === 'ECONNRESET';
        if (reset && req.reusedSocket && !retried) {
          resolve(send(method, path, headers, body, true));
        } else {
          reject(err);
        }
      });
      req.end(body);
    });
  }

  /**
   * @param {string} path
   * @param {string | Buffer} body
   * @param {http.OutgoingHttpHeaders} headers
   */
  async function post(path, body, headers) {
    headers['Content-Length'] = Buffer.byteLength(body);
    const res = await send('POST', path, headers, body);
    // 4xx (too large, invocation already timed out) fails this invocation only; 5xx means
    // the platform is broken and the runtime must exit.
    if (res.status >= 500) throw new Error(`Runtime API ${path} answered ${res.status}`);
    return res;
  }

  /** @param {unknown} errorResponse */
  const errorJson = (errorResponse) => JSON.stringify(errorResponse);

  return {
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
      const requestId = header(h['lambda-runtime-aws-request-id']);
      if (!requestId) throw new Error('Runtime API /next sent no Lambda-Runtime-Aws-Request-Id');
      return {
        requestId,
        deadlineMs: Number(header(h['lambda-runtime-deadline-ms'])),
        invokedFunctionArn: header(h['lambda-runtime-invoked-function-arn']),
        traceId: header(h['lambda-runtime-trace-id']),
        clientContext: header(h['lambda-runtime-client-context']),
        cognitoIdentity: header(h['lambda-runtime-cognito-identity']),
        tenantId: header(h['lambda-runtime-aws-tenant-id']),
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
      return post(path, errorJson(errorResponse), { 'Content-Type': 'application/json' });
    },

    /** @param {{errorType: string}} errorResponse */
    postInitError(errorResponse) {
      return post(`${PREFIX}/init/error`, errorJson(errorResponse), {
        'Content-Type': 'application/json',
        [ERROR_TYPE_HEADER]: errorResponse.errorType,
      });
    },

    /**
     * Opens a chunked, streaming `POST .../response` (§1.4). Nothing is sent before the first
     * write or end. `response` settles when the platform has answered.
     *
     * @param {string} id
     * @returns {{request: http.ClientRequest, response: Promise<number>}}
     */
    openResponseStream(id) {
      const request = http.request({
        ...target,
        method: 'POST',
        path: `${PREFIX}/invocation/${encodeURIComponent(id)}/response`,
        headers: {
          'Lambda-Runtime-Function-Response-Mode': 'streaming',
          'Transfer-Encoding': 'chunked',
          Trailer: `${TRAILER_ERROR_TYPE}, ${TRAILER_ERROR_BODY}`,
          'Content-Type': 'application/octet-stream',
        },
      });
      const response = new Promise((resolve, reject) => {
        request.on('response', (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
          res.on('error', reject);
        });
        request.on('error', reject);
      });
      // Whoever awaits `response` still sees a failure; nobody awaiting is not a crash.
      response.catch(() => {});
      return { request, response: /** @type {Promise<number>} */ (response) };
    },
  };
}

/** @typedef {ReturnType<typeof createRuntimeClient>} RuntimeClient */
