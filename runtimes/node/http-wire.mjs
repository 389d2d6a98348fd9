// HTTP/1.1 over one kept-alive `net` socket, one exchange at a time: what the Runtime API
// client needs and no more. Loading and first use of `node:http` cost 5-8 ms of cold start
// (measured), a quarter of a bare `node -e 0`. Responses may use Content-Length, chunked
// encoding or a close-delimited body.
import { connect as netConnect } from 'node:net';

const EMPTY = Buffer.alloc(0);

/** @typedef {{status: number, headers: Record<string, string>, body: Buffer}} HttpResponse */
/** @typedef {{push(chunk: Buffer): HttpResponse | undefined, end(): HttpResponse | undefined}} Parser */

/**
 * @param {import('node:net').NetConnectOpts} target
 * @example
 *   const connection = openConnection({ path: '/run/nimbus/runtime.sock' });
 *   const { socket, response } = connection.exchange();
 *   socket.write('GET /ping HTTP/1.1\r\nHost: localhost\r\n\r\n');
 *   const { status, body } = await response;
 */
export function openConnection(target) {
  /** @type {import('node:net').Socket | undefined} the kept-alive connection */
  let socket;
  /**
   * The exchange in progress, bound to its socket so a stale socket's events cannot touch it.
   * @type {{socket: import('node:net').Socket, data(chunk: Buffer): void, closed(err: Error | undefined): void} | undefined}
   */
  let current;

  function connect() {
    const s = netConnect(target);
    /** @type {Error | undefined} */
    let failure;
    s.on('data', (chunk) => (current?.socket === s ? current.data(chunk) : s.destroy()));
    s.on('error', (err) => {
      failure = err;
    });
    s.on('close', () => {
      if (socket === s) socket = undefined;
      if (current?.socket === s) current.closed(failure);
    });
    return s;
  }

  /**
   * Starts one request/response exchange on the kept-alive socket (or a new one). The
   * caller writes the request; `response` settles with the parsed answer. An idle socket is
   * unref'd so that it does not keep the event loop (callbackWaitsForEmptyEventLoop) alive.
   */
  function exchange() {
    const reused = socket !== undefined && !socket.destroyed;
    const s = reused && socket ? socket : connect();
    socket = s;
    s.ref();
    const parser = responseParser();
    let received = false;
    /** @type {Promise<HttpResponse>} */
    const response = new Promise((resolve, reject) => {
      /** @param {HttpResponse} res */
      const done = (res) => {
        current = undefined;
        if (/\bclose\b/i.test(res.headers.connection ?? '')) {
          socket = undefined;
          s.destroy();
        } else {
          s.unref();
        }
        resolve(res);
      };
      current = {
        socket: s,
        data(chunk) {
          received = true;
          try {
            const res = parser.push(chunk);
            if (res) done(res);
          } catch (err) {
            // Not HTTP we understand: this connection is unusable.
            current = undefined;
            socket = undefined;
            s.destroy();
            reject(err);
          }
        },
        closed(err) {
          const res = parser.end();
          if (res) return done(res);
          current = undefined;
          const error = err ?? new Error('the Runtime API closed the connection');
          reject(Object.assign(error, { retryable: reused && !received }));
        },
      };
    });
    return { socket: s, response };
  }

  return {
    exchange,
    /**
     * Connects ahead of the first exchange, so that connecting overlaps with other work.
     * The socket stays unref'd until used.
     */
    preconnect() {
      if (socket !== undefined) return;
      socket = connect();
      socket.unref();
    },
  };
}

/**
 * Incremental parser of one HTTP/1.1 response. `push` returns the response once complete.
 * @returns {Parser}
 */
function responseParser() {
  let buf = EMPTY;
  /** @type {'head' | 'fixed' | 'size' | 'chunk' | 'chunk-end' | 'trailers' | 'until-close'} */
  let state = 'head';
  let status = 0;
  /** @type {Record<string, string>} */
  let headers = {};
  /** @type {Buffer[]} */
  const body = [];
  let left = 0;

  const done = () => ({
    status,
    headers,
    body: body.length === 1 ? /** @type {Buffer} */ (body[0]) : Buffer.concat(body),
  });
  /** Moves up to `left` bytes of `buf` into the body. */
  const take = () => {
    const n = Math.min(left, buf.length);
    if (n > 0) body.push(buf.subarray(0, n));
    buf = buf.subarray(n);
    left -= n;
    return left === 0;
  };
  const line = () => {
    const end = buf.indexOf('\r\n');
    if (end < 0) return undefined;
    const text = buf.toString('latin1', 0, end);
    buf = buf.subarray(end + 2);
    return text;
  };

  /** @returns {HttpResponse | undefined} */
  function parse() {
    for (;;) {
      switch (state) {
        case 'head': {
          const end = buf.indexOf('\r\n\r\n');
          if (end < 0) return undefined;
          const [statusLine = '', ...fields] = buf.toString('latin1', 0, end).split('\r\n');
          buf = buf.subarray(end + 4);
          status = Number(statusLine.split(' ')[1]);
          if (!statusLine.startsWith('HTTP/1.') || !(status >= 100)) {
            throw new Error(`malformed HTTP status line: ${statusLine.slice(0, 80)}`);
          }
          headers = {};
          for (const field of fields) {
            const colon = field.indexOf(':');
            const name = field.slice(0, colon).trim().toLowerCase();
            const value = field.slice(colon + 1).trim();
            headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
          }
          if (status >= 100 && status < 200) continue; // 100 Continue: the real head follows
          if (status === 204 || status === 304) return done();
          if (/chunked/i.test(headers['transfer-encoding'] ?? '')) state = 'size';
          else if (headers['content-length'] !== undefined) {
            left = Number(headers['content-length']);
            if (!(left >= 0)) throw new Error('malformed Content-Length');
            state = 'fixed';
          } else state = 'until-close';
          break;
        }
        case 'fixed':
          return take() ? done() : undefined;
        case 'size': {
          const text = line();
          if (text === undefined) return undefined;
          left = Number.parseInt(text, 16);
          if (!(left >= 0)) throw new Error(`malformed chunk size: ${text.slice(0, 20)}`);
          state = left === 0 ? 'trailers' : 'chunk';
          break;
        }
        case 'chunk':
          if (!take()) return undefined;
          state = 'chunk-end';
          break;
        case 'chunk-end':
          if (line() === undefined) return undefined;
          state = 'size';
          break;
        case 'trailers': {
          const text = line();
          if (text === undefined) return undefined;
          if (text === '') return done();
          break;
        }
        case 'until-close':
          if (buf.length > 0) body.push(buf);
          buf = EMPTY;
          return undefined;
      }
    }
  }

  return {
    push(chunk) {
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      return parse();
    },
    end() {
      return state === 'until-close' ? done() : undefined;
    },
  };
}
