import http, { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Gateway } from './gateway.js';

/** The gateway's HTTP limits (ServerConfig `http*`; README's configuration table). */
export interface ListenerLimits {
  maxHeaderBytes: number;
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
}

/**
 * The gateway's own `node:http` server, apart from the control API. Bad requests, oversized
 * heads and slow clients get a JSON 400 / 431 / 408 from Node's parser and timers, and their
 * connection is closed; no request reaches the gateway half-read.
 */
export function createListener(gateway: Gateway, limits: ListenerLimits): http.Server {
  const server = http.createServer(
    {
      maxHeaderSize: limits.maxHeaderBytes,
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      // Timeouts are checked this often (Node's default, 30 s, would let a slow client stay
      // twice as long as allowed).
      connectionsCheckingInterval: Math.max(100, Math.min(1000, limits.headersTimeoutMs / 4)),
      keepAlive: true,
    },
    (req, res) => gateway.handle(req, res),
  );
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  // A response may stream for as long as the function runs: no idle cut-off on the socket.
  server.timeout = 0;
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    if (err.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const [status, message] =
      err.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'Request Header Fields Too Large']
        : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? [408, 'Request Timeout']
          : [400, 'Bad Request'];
    const body = JSON.stringify({ message });
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
  return server;
}

/** Listens on `host:port` (0: any free port) and resolves the port taken. */
export function listen(server: http.Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const addr = server.address();
      resolve(typeof addr === 'object' && addr ? addr.port : port);
    });
  });
}

/** Stops taking connections; open ones get `graceMs` to finish, then are cut. */
export async function closeListener(server: http.Server, graceMs: number): Promise<void> {
  if (!server.listening) return;
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const timer = setTimeout(() => server.closeAllConnections(), graceMs);
  await closed;
  clearTimeout(timer);
}
