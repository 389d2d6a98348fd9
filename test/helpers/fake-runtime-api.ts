// A fake Lambda Runtime API (/2018-06-01/runtime/...) on a Unix socket in a temp dir, for
// testing runtimes as plain child processes: queue events, record every POST, await results.
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface QueuedInvocation {
  /** default: a random UUID */
  requestId?: string;
  /** default: `{}` */
  body?: string | Buffer;
  /** `Lambda-Runtime-Deadline-Ms` = dispatch time + this; default 30 000 */
  timeoutMs?: number;
  /** more `/next` headers: ARN, trace id, client context, cognito identity... */
  headers?: Record<string, string>;
}

export interface RecordedPost {
  kind: 'response' | 'error' | 'init-error';
  /** undefined for `/init/error` */
  requestId: string | undefined;
  headers: http.IncomingHttpHeaders;
  trailers: NodeJS.Dict<string>;
  body: Buffer;
  /** body chunks as they arrived, with `performance.now()` times */
  chunks: { atMs: number; data: Buffer }[];
  arrivedAtMs: number;
  endedAtMs: number;
  /** `snapshot()` taken when the request's headers arrived, and when its body ended */
  snapshotAtArrival: string;
  snapshotAtEnd: string;
  /** `/next` requests received by the time its body ended (a pipelined one is counted) */
  nextPollsAtEnd: number;
}

interface Deferred<T> {
  promise: Promise<T>;
  resolve: (value: T) => void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void; // assigned synchronously by the Promise constructor
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

const PREFIX = '/2018-06-01/runtime';
const INVOCATION_POST = /^\/2018-06-01\/runtime\/invocation\/([^/]+)\/(response|error)$/;

export interface FakeRuntimeApiOptions {
  /** called when a POST arrives and when its body ends, e.g. to read the runtime's output */
  snapshot?: () => string;
  /** listen on 127.0.0.1 (see `address`) instead of a Unix socket */
  tcp?: boolean;
  /** send `/next` bodies with chunked transfer encoding instead of a Content-Length */
  chunked?: boolean;
  /** answer everything with `Connection: close`, so every request needs a new connection */
  closeConnections?: boolean;
}

/**
 * @example
 *   const api = await FakeRuntimeApi.start();
 *   // spawn the runtime with NIMBUS_RUNTIME_SOCKET=api.socketPath
 *   const id = api.enqueue({ body: '{"a":1}' });
 *   const post = await api.result(id); // kind 'response' | 'error'
 *   await api.close();
 */
export class FakeRuntimeApi {
  /** every POST, in arrival order */
  readonly posts: RecordedPost[] = [];
  /** `/next` requests received so far */
  nextPolls = 0;
  /** TCP/Unix connections accepted so far (1 when the runtime keeps its connection alive) */
  connections = 0;

  private readonly queue: QueuedInvocation[] = [];
  private readonly waiting: http.ServerResponse[] = [];
  private readonly results = new Map<string, Deferred<RecordedPost>>();
  private readonly initError = deferred<RecordedPost>();
  private readonly pollWaiters: { count: number; resolve: () => void }[] = [];

  /** `host:port` for AWS_LAMBDA_RUNTIME_API when listening on TCP, else '' */
  address = '';

  private constructor(
    private readonly server: http.Server,
    private readonly dir: string,
    /** the Unix socket (NIMBUS_RUNTIME_SOCKET); '' when listening on TCP */
    readonly socketPath: string,
    private readonly options: FakeRuntimeApiOptions,
  ) {}

  static async start(options: FakeRuntimeApiOptions = {}): Promise<FakeRuntimeApi> {
    const dir = await mkdtemp(path.join(tmpdir(), 'nimbus-rapi-'));
    const socketPath = options.tcp ? '' : path.join(dir, 'runtime.sock');
    const server = http.createServer();
    // Like the platform: the long poll and an idle keep-alive connection never time out.
    server.keepAliveTimeout = 0;
    server.requestTimeout = 0;
    const api = new FakeRuntimeApi(server, dir, socketPath, options);
    server.on('connection', () => {
      api.connections++;
    });
    server.on('request', (req, res) => api.route(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      if (socketPath) server.listen(socketPath, resolve);
      else server.listen(0, '127.0.0.1', resolve);
    });
    const bound = server.address();
    if (bound && typeof bound === 'object') api.address = `127.0.0.1:${bound.port}`;
    return api;
  }

  /** Queues an event; returns its request id. */
  enqueue(invocation: QueuedInvocation = {}): string {
    const requestId = invocation.requestId ?? randomUUID();
    this.queue.push({ ...invocation, requestId });
    this.resultFor(requestId);
    this.dispatch();
    return requestId;
  }

  /** The runtime's `/response` or `/error` POST for `requestId`, once its body has ended. */
  result(requestId: string): Promise<RecordedPost> {
    return this.resultFor(requestId).promise;
  }

  /** The runtime's `/init/error` POST. */
  initErrorPost(): Promise<RecordedPost> {
    return this.initError.promise;
  }

  /** Resolves when `/next` has been called `count` times (the runtime is idle, polling). */
  polled(count: number): Promise<void> {
    if (this.nextPolls >= count) return Promise.resolve();
    return new Promise((resolve) => this.pollWaiters.push({ count, resolve }));
  }

  async close(): Promise<void> {
    for (const res of this.waiting.splice(0)) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await rm(this.dir, { recursive: true, force: true });
  }

  private resultFor(requestId: string): Deferred<RecordedPost> {
    let d = this.results.get(requestId);
    if (!d) {
      d = deferred<RecordedPost>();
      this.results.set(requestId, d);
    }
    return d;
  }

  private route(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = req.url ?? '';
    if (req.method === 'GET' && url === `${PREFIX}/invocation/next`) {
      this.nextPolls++;
      this.waiting.push(res);
      // A /next whose connection closed (a pipelined one the server dropped) gets nothing.
      req.on('close', () => {
        const i = this.waiting.indexOf(res);
        if (i >= 0) this.waiting.splice(i, 1);
      });
      this.dispatch();
      for (const w of this.pollWaiters.filter((p) => this.nextPolls >= p.count)) w.resolve();
      return;
    }
    const match = INVOCATION_POST.exec(url);
    if (req.method === 'POST' && (match || url === `${PREFIX}/init/error`)) {
      const requestId = match ? decodeURIComponent(match[1] ?? '') : undefined;
      const kind = !match ? 'init-error' : match[2] === 'error' ? 'error' : 'response';
      this.record(req, res, kind, requestId);
      return;
    }
    res.writeHead(404, { 'Content-Type': 'application/json' });
    res.end(
      JSON.stringify({ errorType: 'NotFound', errorMessage: `no route ${req.method} ${url}` }),
    );
  }

  private record(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    kind: RecordedPost['kind'],
    requestId: string | undefined,
  ): void {
    const arrivedAtMs = performance.now();
    const snapshotAtArrival = this.snapshot();
    const chunks: RecordedPost['chunks'] = [];
    req.on('data', (data: Buffer) => chunks.push({ atMs: performance.now(), data }));
    req.on('end', () => {
      const post: RecordedPost = {
        kind,
        requestId,
        headers: req.headers,
        trailers: req.trailers,
        body: Buffer.concat(chunks.map((c) => c.data)),
        chunks,
        arrivedAtMs,
        endedAtMs: performance.now(),
        snapshotAtArrival,
        snapshotAtEnd: this.snapshot(),
        nextPollsAtEnd: this.nextPolls,
      };
      this.posts.push(post);
      res.writeHead(202, { 'Content-Type': 'application/json', ...this.connectionHeader() });
      res.end('{"status":"OK"}');
      if (this.options.closeConnections) this.dropWaiting(req.socket);
      if (kind === 'init-error') this.initError.resolve(post);
      else if (requestId !== undefined) this.resultFor(requestId).resolve(post);
    });
  }

  /** Forgets the /next requests pipelined on a connection that is closing: they get nothing. */
  private dropWaiting(socket: unknown): void {
    for (let i = this.waiting.length - 1; i >= 0; i--) {
      if (this.waiting[i]?.req.socket === socket) this.waiting.splice(i, 1);
    }
  }

  private snapshot(): string {
    return this.options.snapshot?.() ?? '';
  }

  private connectionHeader(): Record<string, string> {
    return this.options.closeConnections ? { Connection: 'close' } : {};
  }

  private dispatch(): void {
    while (this.queue.length > 0 && this.waiting.length > 0) {
      const inv = this.queue.shift()!; // length checked above
      const res = this.waiting.shift()!; // length checked above
      const body = inv.body ?? '{}';
      res.writeHead(200, {
        'Content-Type': 'application/json',
        'Lambda-Runtime-Aws-Request-Id': inv.requestId,
        'Lambda-Runtime-Deadline-Ms': String(Date.now() + (inv.timeoutMs ?? 30_000)),
        ...this.connectionHeader(),
        ...inv.headers,
      });
      if (this.options.chunked) {
        // Without a Content-Length, written in pieces: Node sends it chunked.
        const bytes = Buffer.from(body);
        const half = Math.floor(bytes.length / 2);
        res.write(bytes.subarray(0, half));
        res.end(bytes.subarray(half));
      } else {
        res.end(body);
      }
    }
  }
}
