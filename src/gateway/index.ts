import type http from 'node:http';
import type { AccessKeys } from '../api/auth/index.js';
import type { AliasService, FunctionRegistry } from '../functions/index.js';
import type { Invoker } from '../invoke/index.js';
import type { Metrics } from '../metrics/index.js';
import type { ArnContext } from '../shared/arn.js';
import type { Clock } from '../shared/clock.js';
import { isLoopbackHost, type ServerConfig } from '../shared/config.js';
import type { IdGenerator } from '../shared/ids.js';
import type { Store } from '../store/index.js';
import type { Tracing } from '../tracing/index.js';
import { ApiKeys } from './api-keys.js';
import { FunctionUrls } from './function-urls.js';
import { Gateway } from './gateway.js';
import { closeListener, createListener, listen } from './listener.js';
import { RouteService } from './routes.js';

export { type ApiKeySummary, ApiKeys } from './api-keys.js';
export { isIdentitySource } from './authorizer.js';
export {
  FunctionUrls,
  notFound as urlNotFound,
  URL_ID_RE,
  type UrlSettings,
} from './function-urls.js';
export { Gateway } from './gateway.js';
export { URL_PATH_PREFIX } from './resolve.js';
export { parseRouteKey } from './route-key.js';
export { checkDomain, type RouteInput, RouteService } from './routes.js';

export interface HttpGatewayDeps {
  store: Store;
  registry: FunctionRegistry;
  aliases: AliasService;
  invoker: Invoker;
  keys: AccessKeys;
  clock: Clock;
  ids: IdGenerator;
  arn: ArnContext;
  config: ServerConfig;
  log?: (line: string) => void;
  functionLog(functionName: string, requestId: string, message: string): void;
  /** Counts requests by route and status. */
  metrics?: Pick<Metrics, 'gatewayRequest'>;
  /** A span per routed request (only when an OTLP endpoint is configured). */
  tracing?: Pick<Tracing, 'gatewayRequest'> | undefined;
}

/**
 * The HTTP gateway assembled: routes, function URLs, API keys (all loaded from the store),
 * the request pipeline, and its listener on `config.host:config.httpPort`.
 */
export class HttpGateway {
  readonly routes: RouteService;
  readonly urls: FunctionUrls;
  readonly apiKeys: ApiKeys;
  readonly gateway: Gateway;
  readonly server: http.Server;
  private portValue: number;

  constructor(private readonly deps: HttpGatewayDeps) {
    const { store, registry, clock, ids, config } = deps;
    this.portValue = config.httpPort;
    const urlHost = config.urlHost || (isLoopbackHost(config.host) ? 'localhost' : config.host);
    this.routes = new RouteService({ store: store.gateway, registry, clock, ids });
    this.urls = new FunctionUrls({
      store: store.gateway,
      clock,
      urlOf: (id) => `http://${id}.lambda-url.${urlHost}:${this.portValue}/`,
    });
    this.apiKeys = new ApiKeys({ store: store.gateway, clock, ids });
    this.gateway = new Gateway({
      registry,
      aliases: deps.aliases,
      invoker: deps.invoker,
      keys: deps.keys,
      routes: this.routes,
      urls: this.urls,
      apiKeys: this.apiKeys,
      clock,
      ids,
      arn: deps.arn,
      maxBodyBytes: config.httpMaxBodyBytes,
      log: deps.log ?? ((line) => console.error(line)),
      functionLog: deps.functionLog,
      metrics: deps.metrics,
      tracing: deps.tracing,
    });
    this.server = createListener(this.gateway, {
      maxHeaderBytes: config.httpMaxHeaderBytes,
      headersTimeoutMs: config.httpHeadersTimeoutMs,
      requestTimeoutMs: config.httpRequestTimeoutMs,
      keepAliveTimeoutMs: config.httpKeepAliveTimeoutMs,
    });
  }

  /** The port the gateway listens on (known once `listen` resolved, when configured as 0). */
  get port(): number {
    return this.portValue;
  }

  /** Reads routes, URLs and keys from the store. */
  async load(): Promise<void> {
    await Promise.all([this.routes.load(), this.urls.load(), this.apiKeys.load()]);
  }

  async listen(): Promise<number> {
    this.portValue = await listen(this.server, this.deps.config.host, this.deps.config.httpPort);
    return this.portValue;
  }

  close(graceMs = 5000): Promise<void> {
    return closeListener(this.server, graceMs);
  }
}
