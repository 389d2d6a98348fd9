// Nimbus's framed channel to the platform (docs/runtime-contract.md, "Framed channel"): the
// same client interface as runtime-client.mjs, over length-prefixed frames instead of HTTP.
// A warm invocation is one read (INVOKE) and one write (logs + RESPONSE + NEXT). Frame: u32
// big-endian body length, u8 type, body; strings are u16 big-endian length + UTF-8. The
// server's side is src/runtime-api/frames/.
import { writeSync } from 'node:fs';
import { connect as netConnect } from 'node:net';

const MAGIC = Buffer.from('\0NIMBUS-FRAMES/1\n', 'latin1');
const HEAD = 5;
const T_NEXT = 0x01;
const T_RESPONSE = 0x02;
const T_ERROR = 0x03;
const T_INIT_ERROR = 0x04;
const T_LOG = 0x05;
const T_STREAM_START = 0x06;
const T_STREAM_CHUNK = 0x07;
const T_STREAM_END = 0x08;
const T_INVOKE = 0x10;
/** Largest log frame the platform takes; longer output is split. */
const MAX_LOG_BYTES = 512 * 1024;
const NEXT_FRAME = Buffer.from([0, 0, 0, 0, T_NEXT]);
const ERROR_TYPE_HEADER = 'Lambda-Runtime-Function-Error-Type';
const ERROR_BODY_TRAILER = 'Lambda-Runtime-Function-Error-Body';

/**
 * A frame of `type` whose body is `parts` (strings are u16-prefixed, Buffers raw, numbers u8).
 * @param {number} type
 * @param {(string | Buffer | number)[]} parts
 */
export function frame(type, parts) {
  let size = 0;
  for (const p of parts)
    size += typeof p === 'number' ? 1 : typeof p === 'string' ? 2 + Buffer.byteLength(p) : p.length;
  const buf = Buffer.allocUnsafe(HEAD + size);
  buf.writeUInt32BE(size, 0);
  buf[4] = type;
  let off = HEAD;
  for (const p of parts) {
    if (typeof p === 'number') buf[off++] = p;
    else if (typeof p === 'string') {
      const n = buf.write(p, off + 2, 'utf8');
      buf.writeUInt16BE(n, off);
      off += 2 + n;
    } else off += p.copy(buf, off);
  }
  return buf;
}

/**
 * The invocation an INVOKE frame body carries (runtime-client.mjs's Invocation).
 * @param {Buffer} body
 */
export function parseInvoke(body) {
  let off = 8;
  const str = () => {
    const n = body.readUInt16BE(off);
    const s = body.toString('utf8', off + 2, off + 2 + n);
    off += 2 + n;
    return s;
  };
  const deadlineMs = body.readDoubleBE(0);
  const requestId = str();
  const invokedFunctionArn = str() || undefined;
  const traceId = str() || undefined;
  const clientContext = str() || undefined;
  const cognitoIdentity = str() || undefined;
  const contentType = str() || undefined;
  return {
    requestId,
    deadlineMs,
    invokedFunctionArn,
    traceId,
    clientContext,
    cognitoIdentity,
    tenantId: undefined,
    contentType,
    body: body.subarray(off),
  };
}

/**
 * @param {string} socketPath
 * @returns {import('./runtime-client.mjs').RuntimeClient & {log(text: string): void}}
 */
export function createFramedClient(socketPath) {
  /** @type {((inv: ReturnType<typeof parseInvoke>) => void) | null} */
  let waiting = null;
  /** @type {((err: Error) => void) | null} */
  let failWaiting = null;
  /** @type {Buffer | null} */
  let pending = null;
  let closed = false;
  /** A NEXT is out and its INVOKE has not come yet. */
  let nextOutstanding = false;
  const readBuffer = Buffer.allocUnsafe(64 * 1024);
  const socket = netConnect({
    path: socketPath,
    onread: {
      buffer: readBuffer,
      callback: (n, buf) => void onData(Buffer.from(buf.subarray(0, n))),
    },
  });
  socket.on('error', () => {});
  socket.on('close', () => {
    closed = true;
    failWaiting?.(new Error('the Runtime API closed the connection'));
  });
  write(MAGIC);

  /** @param {Buffer} chunk */
  function onData(chunk) {
    const buf = pending ? Buffer.concat([pending, chunk]) : chunk;
    pending = null;
    let off = 0;
    while (buf.length - off >= HEAD) {
      const len = buf.readUInt32BE(off);
      if (buf.length - off - HEAD < len) break;
      const type = buf[off + 4];
      const body = buf.subarray(off + HEAD, off + HEAD + len);
      off += HEAD + len;
      if (type === T_INVOKE) nextOutstanding = false;
      if (type === T_INVOKE && waiting) {
        const resolve = waiting;
        waiting = failWaiting = null;
        resolve(parseInvoke(body));
      }
    }
    if (off < buf.length) pending = buf.subarray(off);
  }

  /**
   * Writes in order: straight to the socket with a write(2) while nothing is queued (so a
   * log line is out before the next statement runs, as on stdout), else behind the queue.
   * @param {Buffer} buf
   */
  function write(buf) {
    // @ts-expect-error: a connected Unix socket's handle has its fd
    const fd = /** @type {number | undefined} */ (socket._handle?.fd);
    if (fd !== undefined && fd >= 0 && socket.writableLength === 0 && !socket.connecting) {
      try {
        const n = writeSync(fd, buf);
        if (n === buf.length) return;
        buf = buf.subarray(n);
      } catch (err) {
        if (/** @type {NodeJS.ErrnoException} */ (err).code !== 'EAGAIN') return;
      }
    }
    socket.write(buf);
  }

  /** @returns {Promise<ReturnType<typeof parseInvoke>>} */
  function awaitInvoke() {
    if (closed) return Promise.reject(new Error('the Runtime API closed the connection'));
    return new Promise((resolve, reject) => {
      waiting = resolve;
      failWaiting = reject;
    });
  }

  /**
   * An answer and the NEXT behind it, in one write.
   * @param {Buffer} answer
   */
  function answerThenNext(answer) {
    const next = awaitInvoke();
    nextOutstanding = true;
    write(Buffer.concat([answer, NEXT_FRAME]));
    next.catch(() => {});
    return { posted: Promise.resolve(), next };
  }

  /** @param {{errorType: string}} e */
  const errorJson = (e) => Buffer.from(JSON.stringify(e));

  return {
    preconnect() {},

    /** @param {string} text */
    log(text) {
      let buf = Buffer.from(text, 'utf8');
      while (buf.length > MAX_LOG_BYTES) {
        write(frame(T_LOG, [buf.subarray(0, MAX_LOG_BYTES)]));
        buf = buf.subarray(MAX_LOG_BYTES);
      }
      write(frame(T_LOG, [buf]));
    },

    next() {
      const next = awaitInvoke();
      if (!nextOutstanding) {
        nextOutstanding = true;
        write(NEXT_FRAME);
      }
      return next;
    },

    /** @param {string} id @param {string | Buffer} body @param {string} contentType */
    postResponseThenNext(id, body, contentType) {
      const payload = typeof body === 'string' ? Buffer.from(body) : body;
      return answerThenNext(frame(T_RESPONSE, [0, id, contentType, payload]));
    },

    /** @param {string} id @param {string | Buffer} body @param {string} contentType */
    async postResponse(id, body, contentType) {
      const payload = typeof body === 'string' ? Buffer.from(body) : body;
      write(frame(T_RESPONSE, [0, id, contentType, payload]));
    },

    /** @param {string} id @param {{errorType: string}} e */
    postErrorThenNext(id, e) {
      return answerThenNext(frame(T_ERROR, [0, id, e.errorType, errorJson(e)]));
    },

    /** @param {string} id @param {{errorType: string}} e */
    async postError(id, e) {
      write(frame(T_ERROR, [0, id, e.errorType, errorJson(e)]));
    },

    /**
     * Resolves once the frame is out: the runtime exits right after.
     * @param {{errorType: string}} e
     */
    postInitError(e) {
      const buf = frame(T_INIT_ERROR, [0, e.errorType, errorJson(e)]);
      return new Promise((resolve) => {
        if (closed) return resolve(undefined);
        socket.write(buf, () => resolve(undefined));
      });
    },

    /** A streamed response: STREAM_START with the first piece, chunks, STREAM_END. @param {string} id */
    streamResponse(id) {
      const head = { contentType: 'application/octet-stream', sent: false };
      const sendHead = () => {
        if (head.sent) return;
        head.sent = true;
        write(frame(T_STREAM_START, [id, head.contentType]));
      };
      /** @type {() => void} */
      let done = () => {};
      const response = new Promise((resolve) => {
        done = () => resolve({ status: 202, headers: {}, body: Buffer.alloc(0) });
      });
      return {
        head,
        response,
        /** @param {Buffer} data @param {(err?: Error | null) => void} callback */
        write(data, callback) {
          sendHead();
          if (data.length > 0) write(frame(T_STREAM_CHUNK, [data]));
          // Backpressure: wait while the platform has not taken what was written.
          if (socket.writableLength === 0) process.nextTick(callback);
          else socket.once('drain', () => callback());
        },
        /** @param {Record<string, string>} trailers @param {(err?: Error | null) => void} callback */
        end(trailers, callback) {
          sendHead();
          const errorType = trailers[ERROR_TYPE_HEADER] ?? '';
          const raw = trailers[ERROR_BODY_TRAILER];
          write(
            frame(T_STREAM_END, [0, errorType, raw ? Buffer.from(raw, 'base64') : Buffer.alloc(0)]),
          );
          done();
          process.nextTick(callback);
        },
      };
    },
  };
}
