import type { CorsConfig, FunctionUrlRecord, PayloadFormat, RouteAuth } from '../store/types.js';
import { corsOfUrl, isPreflight, preflightHeaders } from './cors.js';
import type { FunctionUrls } from './function-urls.js';
import type { RouteTable } from './route-table.js';

/** The path form of function URLs, for clients that cannot set Host: `/_nimbus/url/<id>/...`. */
export const URL_PATH_PREFIX = '/_nimbus/url/';
const URL_HOST_RE = /^([a-z2-7]{32})\.lambda-url\./;

/** Everything the gateway needs to run a request against a function. */
export interface Destination {
  functionName: string;
  qualifier: string | null;
  payload: PayloadFormat;
  auth: RouteAuth | { type: 'iam' };
  cors: CorsConfig | null;
  /** Pass a streamed response on as it arrives. */
  stream: boolean;
  routeKey: string;
  resourcePath: string;
  pathParameters: Record<string, string> | null;
  /** The path the function sees. */
  rawPath: string;
  apiId: string;
  /** A function URL's record, when the request came through one. */
  url?: FunctionUrlRecord;
}

export type Resolution =
  | { kind: 'invoke'; dest: Destination }
  /** Answered by the gateway: preflight (204), OPTIONS with `Allow` (204), 404, 405. */
  | { kind: 'answer'; status: number; message?: string; headers: [string, string][] };

export interface ResolveInput {
  method: string;
  host: string;
  rawPath: string;
  origin: string | undefined;
  /** Access-Control-Request-Method. */
  requestMethod: string | undefined;
  requestHeaders: string | undefined;
}

/** Decides what a request is for: a function URL, a route, or an answer from the gateway. */
export function resolveRequest(r: ResolveInput, table: RouteTable, urls: FunctionUrls): Resolution {
  const byHost = URL_HOST_RE.exec(r.host);
  if (byHost) return resolveUrl(r, urls.lookup(byHost[1]!), r.rawPath);
  if (r.rawPath.startsWith(URL_PATH_PREFIX)) {
    const rest = r.rawPath.slice(URL_PATH_PREFIX.length);
    const slash = rest.indexOf('/');
    const id = slash < 0 ? rest : rest.slice(0, slash);
    return resolveUrl(r, urls.lookup(id), slash < 0 ? '/' : rest.slice(slash));
  }

  if (isPreflight(r.method, r.origin, r.requestMethod)) {
    const target = table.match(r.host, r.requestMethod!.toUpperCase(), r.rawPath);
    if (target.kind === 'found' && target.route.cors) {
      const headers = preflightHeaders(
        target.route.cors,
        r.origin!,
        r.requestMethod!,
        r.requestHeaders,
      );
      return { kind: 'answer', status: 204, headers };
    }
  }
  const m = table.match(r.host, r.method, r.rawPath);
  if (m.kind === 'no-route')
    return { kind: 'answer', status: 404, message: 'Not Found', headers: [] };
  if (m.kind === 'wrong-method') {
    const allow: [string, string] = ['allow', [...m.allow, 'OPTIONS'].filter(uniq).join(', ')];
    if (r.method === 'OPTIONS') return { kind: 'answer', status: 204, headers: [allow] };
    return { kind: 'answer', status: 405, message: 'Method Not Allowed', headers: [allow] };
  }
  const { route, params } = m;
  if (route.target.kind !== 'function') {
    // A forwarding domain route that matched no route behind it is answered as no route.
    return { kind: 'answer', status: 404, message: 'Not Found', headers: [] };
  }
  return {
    kind: 'invoke',
    dest: {
      functionName: route.target.functionName,
      qualifier: route.target.qualifier,
      payload: route.payload,
      auth: route.auth,
      cors: route.cors,
      stream: route.payload !== 'fc',
      routeKey: `${route.method} ${route.path}`,
      resourcePath: route.path,
      pathParameters: Object.keys(params).length ? params : null,
      rawPath: r.rawPath,
      apiId: route.domain ?? 'nimbus',
    },
  };
}

function uniq<T>(v: T, i: number, all: T[]): boolean {
  return all.indexOf(v) === i;
}

function resolveUrl(
  r: ResolveInput,
  url: FunctionUrlRecord | undefined,
  rawPath: string,
): Resolution {
  if (!url) return { kind: 'answer', status: 404, message: 'Not Found', headers: [] };
  const cors = corsOfUrl(url.cors);
  if (cors && isPreflight(r.method, r.origin, r.requestMethod)) {
    const headers = preflightHeaders(cors, r.origin!, r.requestMethod!, r.requestHeaders);
    return { kind: 'answer', status: 204, headers };
  }
  return {
    kind: 'invoke',
    dest: {
      functionName: url.functionName,
      qualifier: url.qualifier,
      payload: '2.0',
      auth: url.authType === 'AWS_IAM' ? { type: 'iam' } : { type: 'none' },
      cors,
      stream: url.invokeMode === 'RESPONSE_STREAM',
      routeKey: '$default',
      resourcePath: '/{proxy+}',
      pathParameters: null,
      rawPath,
      apiId: url.urlId,
      url,
    },
  };
}
