import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import Fastify, { type FastifyInstance } from 'fastify';
import { fail } from '../shared/error-codes.js';
import { requireSignatures } from './auth/index.js';
import type { ApiDeps } from './deps.js';
import { errorHandler } from './errors.js';
import { aliasRoutes } from './lambda/aliases.js';
import { concurrencyRoutes } from './lambda/concurrency.js';
import { eventInvokeConfigRoutes } from './lambda/event-invoke-config.js';
import { eventSourceMappingRoutes } from './lambda/event-source-mappings.js';
import { functionUrlRoutes } from './lambda/function-urls.js';
import { functionRoutes } from './lambda/functions.js';
import { invokeRoutes } from './lambda/invoke.js';
import { layerRoutes } from './lambda/layers.js';
import { provisionedConcurrencyRoutes } from './lambda/provisioned-concurrency.js';
import { tagRoutes } from './lambda/tags.js';
import { versionRoutes } from './lambda/versions.js';
import { httpRoutes } from './native/http-routes.js';
import { invocationRoutes } from './native/invocations.js';
import { keyRoutes } from './native/keys.js';
import { metricsRoutes } from './native/metrics.js';
import { nativeRoutes } from './native/routes.js';
import { runtimeRoutes } from './native/runtimes.js';
import { serviceRoutes } from './native/services.js';
import { timerRoutes } from './native/timers.js';

/** Largest control-API body: a 50 MB zip in base64 inside CreateFunction JSON. */
const MAX_BODY_BYTES = 70_167_211;

/**
 * The control API (Lambda API + native API) as a Fastify app, without
 * listen(): tests drive it with inject(), the server listens.
 */
export function buildApp(deps: ApiDeps): FastifyInstance {
  const app = Fastify({
    logger: false,
    bodyLimit: MAX_BODY_BYTES,
    routerOptions: {
      ignoreTrailingSlash: true,
      ignoreDuplicateSlashes: true,
      maxParamLength: 1024,
    },
    genReqId: () => deps.requestIds?.() ?? crypto.randomUUID(),
    // SQS and S3 share the port: the front door takes their requests before Fastify
    // parses anything (S3 bodies stream to disk). `inject()` bypasses it.
    ...(deps.frontDoor
      ? {
          serverFactory: (handler: (req: IncomingMessage, res: ServerResponse) => void) => {
            const front = deps.frontDoor as NonNullable<ApiDeps['frontDoor']>;
            return createServer((req, res) => {
              if (!front(req, res)) handler(req, res);
            });
          },
        }
      : {}),
  });
  // Every body arrives raw: Invoke payloads are bytes, JSON is parsed per route (clients
  // differ in the Content-Type they send, or send none).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler((req, reply) => {
    errorHandler(
      req.url.startsWith('/nimbus/')
        ? fail('NotFound', `no such endpoint: ${req.method} ${req.url}`)
        : fail('UnknownOperationException', `Unknown operation: ${req.method} ${req.url}`),
      req,
      reply,
    );
  });
  // A callback hook, not an async one: no promise per request on the Invoke path.
  app.addHook('onSend', (req, reply, payload, done) => {
    if (!reply.hasHeader('x-amzn-RequestId')) reply.header('x-amzn-RequestId', req.id);
    done(null, payload);
  });
  if (deps.auth) requireSignatures(app, { keys: deps.keys, ...deps.auth });
  functionRoutes(app, deps);
  invokeRoutes(app, deps);
  versionRoutes(app, deps);
  aliasRoutes(app, deps);
  concurrencyRoutes(app, deps);
  provisionedConcurrencyRoutes(app, deps);
  eventInvokeConfigRoutes(app, deps);
  eventSourceMappingRoutes(app, deps);
  tagRoutes(app, deps);
  layerRoutes(app, deps);
  functionUrlRoutes(app, deps);
  nativeRoutes(app, deps);
  invocationRoutes(app, deps);
  keyRoutes(app, deps);
  httpRoutes(app, deps);
  timerRoutes(app, deps);
  runtimeRoutes(app, deps);
  serviceRoutes(app, deps);
  metricsRoutes(app, deps);
  return app;
}
