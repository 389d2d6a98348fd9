// HTTP/1.1 over one kept-alive `net` socket, requests answered in order (and optionally
// pipelined): what the Runtime API client needs and no more. Loading and first use of `node:http` cost 5-8 ms of cold start
// (measured), a quarter of a bare `node -e 0`. Responses may use Content-Length, chunked
// encoding or a close-delimited body.
import { connect as netConnect } from 'node:net';

const EMPTY = Buffer.alloc(0);
/** Size of each connection's read buffer: a read takes at most this much. */
const READ_BUFFER_BYTES = 64 * 1024;

/** @typedef {{status: number, headers: Record<string, string>, body: Buffer}} HttpResponse */
/**
 * @typedef {{push(chunk: Buffer): HttpResponse | undefined, end(): HttpResponse | undefined,
 *   rest(): Buffer}} Parser
 */

/**
 * @typedef {object} Pending  an exchange waiting for its response, in send order
 * @property {Parser} parser
 * @property {boolean} reused  sent on a socket that existed before (kept alive, or preconnected)
 * @property {boolean} received  some of its response has arrived
 * @property {(res: HttpResponse) => void} resolve
 * @property {(err: Error) => void} reject
 */

/**
 * @param {import('node:net').NetConnectOpts} target
 * @example
 *   const connection = openConnection({ path: '/run/nimbus/runtime.sock' });
 *   const { socket, response } = connection.exchange();
 *   socket.write('GET /ping HTTP/1.1\r\nHost: localhost\r\n\r\n');
 *   const { status, body } = await response;
 */
export function openConnection(target) {
  /**
   * The kept-alive connection and the exchanges waiting on it, oldest first. Each socket
   * has its own list, so a stale socket's events cannot touch a newer socket's exchanges.
   * @type {{socket: import('node:net').Socket, waiting: Pending[]} | undefined}
   */
  let conn;

  function connect() {
    // Reads land in one buffer per connection and go straight to onData (`onread`): no
    // stream machinery per read. The bytes are copied out, as parsers keep slices of them.
    const buffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);
    /** @type {{socket: import('node:net').Socket, waiting: Pending[]}} */
    const c = {
      socket: netConnect({
        ...target,
        onread: { buffer, callback: (n, buf) => void onData(c, Buffer.from(buf.subarray(0, n))) },
      }),
      waiting: [],
    };
    const s = c.socket;
    /** @type {Error | undefined} */
    let failure;
    s.on('error', (err) => {
      failure = err;
    });
    s.on('close', () => {
      if (conn === c) conn = undefined;
      for (const [i, w] of c.waiting.splice(0).entries()) {
        const res = w.parser.end();
        if (res) {
          w.resolve(res);
          continue;
        }
        const base = i === 0 ? failure : undefined;
        const error = base ?? new Error('the Runtime API closed the connection');
        // `unanswered`: none of the answer came (a pipelined request may have been dropped).
        w.reject(
          Object.assign(error, { retryable: w.reused && !w.received, unanswered: !w.received }),
        );
      }
    });
    return c;
  }

  /**
   * Feeds the responses in `chunk` to the waiting exchanges in order: one read may end
   * one response and begin the next (pipelined requests).
   * @param {{socket: import('node:net').Socket, waiting: Pending[]}} c
   * @param {Buffer} chunk
   */
  function onData(c, chunk) {
    const s = c.socket;
    for (let data = chunk; data.length > 0; ) {
      const w = c.waiting[0];
      if (!w) return void s.destroy(); // nobody asked: not a Runtime API we understand
      w.received = true;
      /** @type {HttpResponse | undefined} */
      let res;
      try {
        res = w.parser.push(data);
      } catch (err) {
        // Not HTTP we understand: this connection is unusable.
        c.waiting.shift();
        if (conn === c) conn = undefined;
        s.destroy();
        w.reject(/** @type {Error} */ (err));
        return;
      }
      if (!res) return;
      c.waiting.shift();
      data = w.parser.rest();
      if (/\bclose\b/i.test(res.headers.connection ?? '')) {
        if (conn === c) conn = undefined;
        s.destroy();
      } else if (c.waiting.length === 0) {
        s.unref();
      }
      w.resolve(res);
    }
  }

  /**
   * Starts `count` request/response exchanges on the kept-alive socket (or a new one); the
   * caller writes the requests, in order, and `responses` settle with the parsed answers,
   * in the same order (HTTP/1.1 pipelining). A socket with nothing in flight is unref'd so
   * that it does not keep the event loop (callbackWaitsForEmptyEventLoop) alive.
   * @param {number} count
   */
  function exchanges(count) {
    const reused = conn !== undefined && !conn.socket.destroyed;
    const c = reused && conn ? conn : connect();
    conn = c;
    c.socket.ref();
    /** @type {Promise<HttpResponse>[]} */
    const responses = [];
    for (let i = 0; i < count; i++) {
      responses.push(
        new Promise((resolve, reject) => {
          c.waiting.push({ parser: responseParser(), reused, received: false, resolve, reject });
        }),
      );
    }
    return { socket: c.socket, responses };
  }

  return {
    exchanges,
    /** One exchange: the caller writes one request, `response` settles with its answer. */
    exchange() {
      const { socket, responses } = exchanges(1);
      return { socket, response: /** @type {Promise<HttpResponse>} */ (responses[0]) };
    },
    /**
     * Connects ahead of the first exchange, so that connecting overlaps with other work.
     * The socket stays unref'd until used.
     */
    preconnect() {
      if (conn !== undefined) return;
      conn = connect();
      conn.socket.unref();
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
    /** What arrived after the complete response (the start of the next one). */
    rest() {
      const r = buf;
      buf = EMPTY;
      return r;
    },
  };
}
