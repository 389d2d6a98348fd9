import { rmSync } from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import type { RuntimeChannel } from './channel.js';
import { dispatchExtensionApi } from './extension-routes.js';
import { MAGIC, opensFrames, serveFrames } from './frames/connection.js';
import { handleError, handleInitError, handleNext, handleResponse } from './http-endpoints.js';
import { replyError } from './replies.js';

const CHANNEL = Symbol('nimbus.runtimeChannel');
type TaggedSocket = net.Socket & { [CHANNEL]?: RuntimeChannel };

const PREFIX = '/2018-06-01/';
const INVOCATION = 'runtime/invocation/';

/**
 * One HTTP parser for every instance's Runtime API. Each instance gets its own
 * Unix socket (the only one mounted in its sandbox); a connection's socket says
 * which instance is calling, so no instance can act for another. A connection whose
 * first bytes are the framed channel's MAGIC (Nimbus's own bootstraps) is served by
 * frames/ instead; any other is HTTP, byte for byte as before.
 */
export class RuntimeApiServer {
  private readonly http: http.Server;
  private readonly listeners = new Set<net.Server>();

  constructor() {
    this.http = http.createServer({ keepAlive: true }, (req, res) => this.route(req, res));
    // /next long-polls for as long as the instance lives.
    this.http.requestTimeout = 0;
    this.http.headersTimeout = 0;
    this.http.keepAliveTimeout = 0;
    this.http.timeout = 0;
  }

  /** Serves `channel` on a new Unix socket at `socketPath`; the returned function stops it. */
  async attach(channel: RuntimeChannel, socketPath: string): Promise<() => void> {
    const { stop } = await this.serve(channel, (server, ready) => server.listen(socketPath, ready));
    return () => {
      stop();
      rmSync(socketPath, { force: true });
    };
  }

  /**
   * Serves `channel` on a new TCP port of 127.0.0.1, for a custom runtime that runs
   * without a sandbox (it knows only `AWS_LAMBDA_RUNTIME_API`). Any local process can
   * reach that port: development only.
   * @example const { address, stop } = await rapi.attachTcp(channel); // address '127.0.0.1:40123'
   */
  async attachTcp(channel: RuntimeChannel): Promise<{ address: string; stop(): void }> {
    const { server, stop } = await this.serve(channel, (srv, ready) =>
      srv.listen(0, '127.0.0.1', ready),
    );
    const port = (server.address() as net.AddressInfo).port; // a TCP listener's address is an AddressInfo
    return { address: `127.0.0.1:${port}`, stop };
  }

  private async serve(
    channel: RuntimeChannel,
    listen: (server: net.Server, ready: () => void) => void,
  ): Promise<{ server: net.Server; stop(): void }> {
    const server = net.createServer((socket: TaggedSocket) => {
      socket[CHANNEL] = channel;
      channel.connectedAtMs ??= performance.now();
      this.sniff(channel, socket);
    });
    this.listeners.add(server);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      listen(server, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const connections = new Set<net.Socket>();
    server.on('connection', (s) => {
      connections.add(s);
      s.on('close', () => connections.delete(s));
    });
    const stop = () => {
      this.listeners.delete(server);
      server.close();
      for (const s of connections) s.destroy();
    };
    return { server, stop };
  }

  /**
   * Reads a new connection's first bytes: MAGIC opens the framed channel; anything else is
   * handed, unread, to the HTTP server. A NUL first byte is never HTTP, so only a
   * connection that starts with NUL waits for the rest of MAGIC.
   */
  private sniff(channel: RuntimeChannel, socket: net.Socket): void {
    let head: Buffer = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      head = head.length ? Buffer.concat([head, chunk]) : chunk;
      if (head[0] === 0 && head.length < MAGIC.length) return;
      socket.off('data', onData);
      socket.pause();
      if (opensFrames(head)) {
        serveFrames(channel, socket, head.subarray(MAGIC.length));
        socket.resume();
        return;
      }
      socket.unshift(head);
      this.http.emit('connection', socket);
      socket.resume();
    };
    socket.on('data', onData);
    socket.on('error', () => socket.destroy());
  }

  close(): void {
    for (const l of this.listeners) l.close();
    this.listeners.clear();
    this.http.close();
  }

  private route(req: IncomingMessage, res: ServerResponse): void {
    const channel = (req.socket as TaggedSocket)[CHANNEL];
    let handled: Promise<void> | undefined;
    try {
      handled = channel ? dispatch(channel, req, res) : notFound(req, res);
    } catch {
      handled = notFound(req, res);
    }
    handled?.catch(() => res.destroy());
  }
}

/** Calls the endpoint a request names; one line per Runtime API endpoint. */
function dispatch(
  channel: RuntimeChannel,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> | undefined {
  const url = req.url ?? '';
  if (!url.startsWith(PREFIX)) {
    const handled = dispatchExtensionApi(channel.extensions, req, res);
    return handled === false ? notFound(req, res) : handled;
  }
  const rest = url.slice(PREFIX.length);
  const method = req.method;
  if (rest.startsWith(INVOCATION)) {
    const tail = rest.slice(INVOCATION.length);
    if (tail === 'next' && method === 'GET') {
      handleNext(channel, req, res);
      return undefined;
    }
    const slash = tail.indexOf('/');
    if (slash > 0 && method === 'POST') {
      const id = decodeURIComponent(tail.slice(0, slash));
      const action = tail.slice(slash + 1);
      if (action === 'response') return handleResponse(channel, id, req, res);
      if (action === 'error') return handleError(channel, id, req, res);
    }
  } else if (rest === 'runtime/init/error' && method === 'POST') {
    return handleInitError(channel, req, res);
  } else if (rest === 'ping' && method === 'GET') {
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    res.end('pong');
    return undefined;
  }
  return notFound(req, res);
}

function notFound(req: IncomingMessage, res: ServerResponse): undefined {
  req.resume();
  replyError(res, 404, 'NotFound', `no such Runtime API endpoint: ${req.method} ${req.url}`);
  return undefined;
}
