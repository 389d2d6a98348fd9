/**
 * What the HTTP gateway stores: routes (with custom domains), API keys for
 * `x-api-key` auth, and Lambda function URLs. See src/gateway/.
 */

/** The event a route hands its function: API Gateway HTTP API 2.0, REST API 1.0, or FC HTTP. */
export type PayloadFormat = '2.0' | '1.0' | 'fc';

/** Per-route CORS, answered by the gateway (preflight) and added to responses. */
export interface CorsConfig {
  /** `*` or exact origins (`https://app.example.test`). */
  allowOrigins: string[];
  /** Upper-case methods, or `*`. */
  allowMethods: string[];
  /** Lower-case header names, or `*`. */
  allowHeaders: string[];
  exposeHeaders: string[];
  allowCredentials: boolean;
  /** Access-Control-Max-Age; null leaves it out. */
  maxAgeS: number | null;
}

/** How a route checks callers. */
export type RouteAuth =
  | { type: 'none' }
  | { type: 'key' }
  | {
      type: 'function';
      /** The authorizer function (REQUEST type, simple response). */
      functionName: string;
      qualifier: string | null;
      /** How long an answer is reused for the same identity; 0 = never. */
      ttlS: number;
      /** `$request.header.X`, `$request.querystring.X`: all must be present; they key the cache. */
      identitySource: string[];
    };

/** Where a route sends requests: a function, or (domains only) on to the default routes. */
export type RouteTarget =
  | { kind: 'function'; functionName: string; qualifier: string | null }
  /** The path's static prefix is removed and the rest matched against the routes without a domain. */
  | { kind: 'routes' };

export interface HttpRouteRecord {
  id: string;
  /** The Host (custom domain) the route answers on; null: any host without routes of its own. */
  domain: string | null;
  /** Upper-case method, or `ANY`. */
  method: string;
  /** API Gateway syntax: `/users/{id}`, `/files/{proxy+}`; `/v1/*` is `/v1/{proxy+}`. */
  path: string;
  target: RouteTarget;
  payload: PayloadFormat;
  auth: RouteAuth;
  cors: CorsConfig | null;
  createdAtMs: number;
}

/** An API key for `x-api-key` routes: only its SHA-256 is stored. */
export interface HttpApiKeyRecord {
  id: string;
  description: string;
  /** hex SHA-256 of the key. */
  keyHash: string;
  createdAtMs: number;
}

/** A Lambda function URL's CORS, in the Lambda API's shape. */
export interface FunctionUrlCors {
  AllowCredentials?: boolean;
  AllowHeaders?: string[];
  AllowMethods?: string[];
  AllowOrigins?: string[];
  ExposeHeaders?: string[];
  MaxAge?: number;
}

export interface FunctionUrlRecord {
  /** 32 lower-case letters and digits: the URL's host label. */
  urlId: string;
  functionName: string;
  /** An alias, or null for the unqualified function. */
  qualifier: string | null;
  authType: 'NONE' | 'AWS_IAM';
  cors: FunctionUrlCors | null;
  invokeMode: 'BUFFERED' | 'RESPONSE_STREAM';
  /** Lambda's format: 2024-01-01T00:00:00.000+0000 */
  creationTime: string;
  lastModifiedTime: string;
}

export interface GatewayStore {
  listRoutes(): Promise<HttpRouteRecord[]>;
  /** Throws ResourceConflictException when (domain, method, path) exists. */
  createRoute(rec: HttpRouteRecord): Promise<void>;
  deleteRoute(id: string): Promise<boolean>;
  listApiKeys(): Promise<HttpApiKeyRecord[]>;
  createApiKey(rec: HttpApiKeyRecord): Promise<void>;
  deleteApiKey(id: string): Promise<boolean>;
  listUrls(): Promise<FunctionUrlRecord[]>;
  /** Throws ResourceConflictException when the function + qualifier has a URL. */
  createUrl(rec: FunctionUrlRecord): Promise<void>;
  updateUrl(rec: FunctionUrlRecord): Promise<void>;
  deleteUrl(functionName: string, qualifier: string | null): Promise<boolean>;
  /** Removes every URL of a function (on DeleteFunction). */
  deleteUrlsFor(functionName: string): Promise<void>;
}
