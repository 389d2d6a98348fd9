import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AccessKeys } from '../api/auth/index.js';
import { type AliasService, type FunctionRegistry, resolveTarget } from '../functions/index.js';
import type { InvokeResponse, Invoker } from '../invoke/index.js';
import type { Metrics } from '../metrics/index.js';
import type { ArnContext } from '../shared/arn.js';
import type { Clock } from '../shared/clock.js';
import { isNimbusError } from '../shared/errors.js';
import type { IdGenerator } from '../shared/ids.js';
import { type Tracing, withTraceparentHeader } from '../tracing/index.js';
import type { ApiKeys } from './api-keys.js';
import { Authorizers } from './authorizer.js';
import { responseCorsHeaders } from './cors.js';
import type { EventContext } from './event-context.js';
import type { FunctionUrls } from './function-urls.js';
import {
  type GatewayRequest,
  header,
  headerPairs,
  normaliseHost,
  readBodyLimited,
  splitUrl,
} from './http-request.js';
import { verifyIam } from './iam.js';
import { answerOf, functionFailure } from './outcome.js';
import { FC_HTTP_EVENT_TYPE, fcEvent } from './payload-fc.js';
import { v1Event } from './payload-v1.js';
import { v2Event } from './payload-v2.js';
import { REQUEST_ID_HEADER, sendAnswer, sendError } from './replies.js';
import { type Destination, resolveRequest } from './resolve.js';
import type { RouteService } from './routes.js';
import { StreamWriter } from './stream-writer.js';

export interface GatewayDeps {
  registry: FunctionRegistry;
  aliases: AliasService;
  invoker: Invoker;
  /** SigV4 access keys, for AWS_IAM function URLs. */
  keys: AccessKeys;
  routes: RouteService;
  urls: FunctionUrls;
  apiKeys: ApiKeys;
  clock: Clock;
  ids: IdGenerator;
  arn: ArnContext;
  maxBodyBytes: number;
  /** The server's log (stderr): why a request failed. */
  log(line: string): void;
  /** The function's own log (`nimbus logs`), for failures the function's owner must see. */
  functionLog(functionName: string, requestId: string, message: string): void;
  /** Counts each request by route and status when it closes. */
  metrics?: Pick<Metrics, 'gatewayRequest'> | undefined;
  /** A span per routed request (only when an OTLP endpoint is configured). */
  tracing?: Pick<Tracing, 'gatewayRequest'> | undefined;
}

/**
 * The HTTP gateway's request pipeline: resolve (function URL, route, or an answer of its
 * own), read the body, authenticate, build the payload-format event, invoke, and map the
 * result (or a stream) back to HTTP. Every answer carries the request id; every failure the
 * client sees as 5xx is logged with why.
 */
export class Gateway {
  readonly authorizers: Authorizers;

  constructor(private readonly deps: GatewayDeps) {
    this.authorizers = new Authorizers({
      clock: deps.clock,
      invoke: (name, qualifier, payload) => this.invoke(name, qualifier, payload, {}),
    });
  }

  /** Serves one request; never rejects. */
  handle(req: IncomingMessage, res: ServerResponse): void {
    const requestId = this.deps.ids.uuid();
    this.serve(req, res, requestId).catch((e: unknown) => {
      this.deps.log(`nimbus: gateway: ${requestId}: internal error: ${String(e)}`);
      if (!res.headersSent) sendError(res, 500, 'Internal Server Error', requestId);
      else res.destroy();
    });
  }

  private async serve(req: IncomingMessage, res: ServerResponse, requestId: string): Promise<void> {
    const method = req.method ?? 'GET';
    const { rawPath, rawQuery } = splitUrl(req.url ?? '/');
    const host = normaliseHost(req.headers.host);
    const origin = req.headers.origin;
    const resolution = resolveRequest(
      {
        method,
        host,
        rawPath,
        origin,
        requestMethod: single(req.headers['access-control-request-method']),
        requestHeaders: single(req.headers['access-control-request-headers']),
      },
      this.deps.routes.table,
      this.deps.urls,
    );
    this.deps.metrics?.gatewayRequest(res, resolution.kind === 'invoke' ? resolution.dest : null);
    const traced =
      this.deps.tracing && resolution.kind === 'invoke'
        ? this.deps.tracing.gatewayRequest(req, res, resolution.dest)
        : undefined;
    if (resolution.kind === 'answer') {
      req.resume();
      const extra: [string, string][] = [[REQUEST_ID_HEADER, requestId], ...resolution.headers];
      if (resolution.message)
        sendError(res, resolution.status, resolution.message, requestId, resolution.headers);
      else
        sendAnswer(
          res,
          { statusCode: resolution.status, headers: [], body: Buffer.alloc(0) },
          extra,
        );
      return;
    }
    const { dest } = resolution;
    const body = await readBodyLimited(req, this.deps.maxBodyBytes).catch(() => undefined);
    if (body === undefined) return; // the client went away mid-body
    if (body === null) {
      sendError(res, 413, 'Request Entity Too Large', requestId, [['connection', 'close']]);
      return;
    }
    const greq: GatewayRequest = {
      requestId,
      method,
      rawPath,
      rawQuery,
      host,
      headers: traced
        ? withTraceparentHeader(headerPairs(req), traced.traceparent)
        : headerPairs(req),
      sourceIp: req.socket.remoteAddress ?? '',
      body,
      timeEpochMs: this.deps.clock.now(),
      rawUrl: req.url ?? '/',
      rawHeaders: req.rawHeaders,
    };
    const ctx = this.eventContext(greq, dest);
    const extra: [string, string][] = [
      [REQUEST_ID_HEADER, requestId],
      ...(dest.cors ? responseCorsHeaders(dest.cors, origin) : []),
    ];
    // Most routes have no auth: no promise for them.
    if (dest.auth.type !== 'none' && !(await this.authenticate(dest, ctx, res, extra))) return;

    const event =
      dest.payload === '1.0' ? v1Event(ctx) : dest.payload === 'fc' ? fcEvent(ctx) : v2Event(ctx);
    const writer = dest.stream ? new StreamWriter(res, extra) : undefined;
    let out: InvokeResponse;
    try {
      out = await this.invoke(
        dest.functionName,
        dest.qualifier,
        Buffer.from(JSON.stringify(event)),
        {
          requestId,
          ...(writer ? { onStream: writer } : {}),
          ...(dest.payload === 'fc' ? { contentType: FC_HTTP_EVENT_TYPE } : {}),
          ...(traced ? { trace: traced.trace } : {}),
        },
      );
    } catch (e) {
      this.invokeFailed(e, dest, greq, res, extra);
      return;
    }
    const fail = (status: number, message: string, why: string) => {
      this.logFailure(dest, greq, status, why);
      sendError(res, status, message, requestId, extra.slice(1));
    };
    if (writer?.started) {
      if (writer.headersSent) {
        if (out.functionError) {
          this.logFailure(dest, greq, 0, `response stream ended by ${functionFailure(out).why}`);
          res.destroy();
        } else writer.end();
        return;
      }
      if (!out.functionError) {
        if (writer.failure)
          return fail(502, 'Internal Server Error', `malformed response: ${writer.failure}`);
        if (writer.preludeIncomplete) {
          return fail(
            502,
            'Internal Server Error',
            'malformed response: the streamed response has no complete prelude',
          );
        }
        writer.end();
        return;
      }
    }
    if (out.functionError) {
      const f = functionFailure(out);
      return fail(f.status, f.message, f.why);
    }
    const answer = answerOf(dest.payload, out);
    if (!answer.ok) return fail(502, 'Internal Server Error', `malformed response: ${answer.why}`);
    sendAnswer(res, answer.answer, extra);
  }

  private eventContext(req: GatewayRequest, dest: Destination): EventContext {
    const hostName = req.host || 'localhost';
    const domainName = dest.url
      ? `${dest.url.urlId}.lambda-url.${this.deps.arn.region}.on.aws`
      : hostName;
    return {
      req,
      routeKey: dest.routeKey,
      resourcePath: dest.resourcePath,
      pathParameters: dest.pathParameters,
      rawPath: dest.rawPath,
      apiId: dest.apiId,
      domainName,
      domainPrefix: domainName.split('.')[0] ?? domainName,
      accountId: dest.url && dest.auth.type === 'none' ? 'anonymous' : this.deps.arn.accountId,
      authorizer: null,
    };
  }

  /** Runs the destination's auth; false when it answered the client itself. */
  private async authenticate(
    dest: Destination,
    ctx: EventContext,
    res: ServerResponse,
    extra: [string, string][],
  ): Promise<boolean> {
    const { req } = ctx;
    const refuse = (status: number, message: string) => {
      sendError(res, status, message, req.requestId, extra.slice(1));
      return false;
    };
    const auth = dest.auth;
    switch (auth.type) {
      case 'none':
        return true;
      case 'key': {
        const keyId = this.deps.apiKeys.check(header(req, 'x-api-key'));
        if (!keyId) return refuse(403, 'Forbidden');
        ctx.apiKeyId = keyId;
        return true;
      }
      case 'iam': {
        const r = await verifyIam(req, this.deps.keys, this.deps.clock);
        if (!r.ok) {
          this.deps.log(
            `nimbus: gateway: ${req.requestId} ${req.method} ${req.rawPath}: AWS_IAM refused: ${r.reason}`,
          );
          return refuse(403, 'Forbidden');
        }
        const { accountId } = this.deps.arn;
        ctx.authorizer = {
          iam: {
            accessKey: r.accessKeyId,
            accountId,
            callerId: r.accessKeyId,
            cognitoIdentity: null,
            principalOrgId: null,
            userArn: `arn:aws:iam::${accountId}:user/${r.accessKeyId}`,
            userId: r.accessKeyId,
          },
        };
        return true;
      }
      case 'function': {
        const r = await this.authorizers.authorize(auth, ctx);
        if (r.kind === 'unauthorized') return refuse(401, 'Unauthorized');
        if (r.kind === 'deny') return refuse(403, 'Forbidden');
        if (r.kind === 'error') {
          this.logFailure(dest, req, 500, r.why);
          return refuse(500, 'Internal Server Error');
        }
        ctx.authorizer = dest.payload === '1.0' ? { ...r.context } : { lambda: r.context };
        return true;
      }
    }
  }

  private async invoke(
    functionName: string,
    qualifier: string | null,
    payload: Buffer,
    opts: Pick<
      Parameters<Invoker['invoke']>[0],
      'requestId' | 'onStream' | 'contentType' | 'trace'
    >,
  ): Promise<InvokeResponse> {
    const { registry, aliases, invoker } = this.deps;
    const { fn, latest } = await resolveTarget(
      registry,
      aliases,
      functionName,
      qualifier ?? undefined,
    );
    return invoker.invoke({
      fn,
      reservedConcurrency: latest.reservedConcurrency,
      ...(qualifier ? { qualifier } : {}),
      payload,
      tail: false,
      source: 'http',
      ...opts,
    });
  }

  /** Throttle → 429, payload too large → 413, anything else (a missing function, ...) → 502. */
  private invokeFailed(
    e: unknown,
    dest: Destination,
    req: GatewayRequest,
    res: ServerResponse,
    extra: [string, string][],
  ): void {
    const code = isNimbusError(e) ? e.code : '';
    let status = 502;
    let message = 'Internal Server Error';
    if (code === 'TooManyRequestsException') {
      status = 429;
      message = 'Too Many Requests';
      if (isNimbusError(e) && e.headers['Retry-After'])
        extra.push(['retry-after', e.headers['Retry-After']]);
    } else if (code === 'RequestTooLargeException') {
      status = 413;
      message = 'Request Entity Too Large';
    }
    this.logFailure(
      dest,
      req,
      status,
      e instanceof Error ? `${code || e.name}: ${e.message}` : String(e),
    );
    sendError(res, status, message, req.requestId, extra.slice(1));
  }

  private logFailure(dest: Destination, req: GatewayRequest, status: number, why: string): void {
    const answered = status ? `answered ${status}` : 'stream cut';
    this.deps.log(
      `nimbus: gateway: ${req.requestId} ${req.method} ${req.rawPath} -> ${dest.functionName}: ${answered}: ${why}`,
    );
    this.deps.functionLog(
      dest.functionName,
      req.requestId,
      `Gateway ${req.method} ${req.rawPath}: ${answered}: ${why}`,
    );
  }
}

function single(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}
