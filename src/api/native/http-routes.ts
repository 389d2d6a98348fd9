import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { checkDomain } from '../../gateway/index.js';
import { fail } from '../../shared/error-codes.js';
import type { CorsConfig, HttpRouteRecord, RouteAuth, RouteTarget } from '../../store/types.js';
import { jsonBody } from '../body.js';
import type { ApiDeps } from '../deps.js';

const FunctionRef = z
  .string()
  .regex(/^[a-zA-Z0-9-_]{1,64}(:[a-zA-Z0-9-_$]{1,128})?$/, 'must be NAME or NAME:QUALIFIER');

const Cors = z
  .object({
    allowOrigins: z.array(z.string().min(1).max(253)).min(1).max(100),
    allowMethods: z.array(z.string().min(1).max(7)).max(8).optional(),
    allowHeaders: z.array(z.string().min(1).max(256)).max(100).optional(),
    exposeHeaders: z.array(z.string().min(1).max(256)).max(100).optional(),
    allowCredentials: z.boolean().optional(),
    maxAgeS: z.number().int().min(0).max(86400).nullable().optional(),
  })
  .strict();

const Auth = z.discriminatedUnion('type', [
  z.object({ type: z.literal('none') }).strict(),
  z.object({ type: z.literal('key') }).strict(),
  z
    .object({
      type: z.literal('function'),
      function: FunctionRef,
      ttlS: z.number().int().min(0).max(3600).optional(),
      identitySource: z.array(z.string()).min(1).max(10).optional(),
    })
    .strict(),
]);

const CreateRoute = z
  .object({
    route: z.string().min(3).max(1100),
    domain: z.string().min(1).max(253).optional(),
    function: FunctionRef.optional(),
    forward: z.literal('routes').optional(),
    payload: z.enum(['2.0', '1.0', 'fc']).optional(),
    auth: Auth.optional(),
    cors: Cors.nullable().optional(),
  })
  .strict();

const DEFAULT_AUTHORIZER_TTL_S = 300;
const DEFAULT_IDENTITY_SOURCE = '$request.header.Authorization';

function splitRef(ref: string): { functionName: string; qualifier: string | null } {
  const i = ref.indexOf(':');
  return i < 0
    ? { functionName: ref, qualifier: null }
    : { functionName: ref.slice(0, i), qualifier: ref.slice(i + 1) };
}

function corsConfig(c: z.infer<typeof Cors>): CorsConfig {
  return {
    allowOrigins: c.allowOrigins,
    allowMethods: (c.allowMethods ?? ['*']).map((m) => m.toUpperCase()),
    allowHeaders: (c.allowHeaders ?? []).map((h) => h.toLowerCase()),
    exposeHeaders: c.exposeHeaders ?? [],
    allowCredentials: c.allowCredentials ?? false,
    maxAgeS: c.maxAgeS ?? null,
  };
}

/** A route as the native API shows it. */
export function routeView(r: HttpRouteRecord): Record<string, unknown> {
  const auth =
    r.auth.type === 'function'
      ? {
          type: 'function',
          function: r.auth.qualifier
            ? `${r.auth.functionName}:${r.auth.qualifier}`
            : r.auth.functionName,
          ttlS: r.auth.ttlS,
          identitySource: r.auth.identitySource,
        }
      : r.auth;
  return {
    id: r.id,
    domain: r.domain,
    route: `${r.method} ${r.path}`,
    ...(r.target.kind === 'function'
      ? {
          function: r.target.qualifier
            ? `${r.target.functionName}:${r.target.qualifier}`
            : r.target.functionName,
        }
      : { forward: 'routes' }),
    payload: r.payload,
    auth,
    cors: r.cors,
    createdAtMs: r.createdAtMs,
  };
}

/**
 * `/nimbus/v1/routes` (HTTP routes, custom-domain routes among them), `/nimbus/v1/domains`
 * (the same routes grouped by domain) and `/nimbus/v1/http-keys` (API keys for `x-api-key`
 * routes). See docs/native-api.md.
 */
export function httpRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const { routes, apiKeys } = deps.gateway;

  app.get<{ Querystring: { domain?: string } }>('/nimbus/v1/routes', async (req) => {
    const domain = req.query.domain === undefined ? undefined : checkDomain(req.query.domain);
    return { routes: routes.list(domain).map(routeView) };
  });

  app.post('/nimbus/v1/routes', async (req, reply) => {
    const b = jsonBody(req, CreateRoute);
    if ((b.function === undefined) === (b.forward === undefined)) {
      throw fail(
        'BadRequest',
        'give exactly one of function (NAME[:QUALIFIER]) or forward ("routes")',
      );
    }
    const target: RouteTarget = b.function
      ? { kind: 'function', ...splitRef(b.function) }
      : { kind: 'routes' };
    let auth: RouteAuth | undefined;
    if (b.auth?.type === 'function') {
      auth = {
        type: 'function',
        ...splitRef(b.auth.function),
        ttlS: b.auth.ttlS ?? DEFAULT_AUTHORIZER_TTL_S,
        identitySource: b.auth.identitySource ?? [DEFAULT_IDENTITY_SOURCE],
      };
    } else if (b.auth) auth = b.auth;
    const rec = await routes.add({
      route: b.route,
      ...(b.domain !== undefined ? { domain: b.domain } : {}),
      target,
      ...(b.payload ? { payload: b.payload } : {}),
      ...(auth ? { auth } : {}),
      ...(b.cors ? { cors: corsConfig(b.cors) } : {}),
    });
    reply.status(201);
    return { route: routeView(rec) };
  });

  app.delete<{ Params: { id: string }; Querystring: { domain?: string } }>(
    '/nimbus/v1/routes/:id',
    async (req, reply) => {
      const removed = await routes.remove(req.params.id, req.query.domain ?? null);
      if (!removed) throw fail('NotFound', `no such route: ${req.params.id}`);
      reply.status(204);
      return reply.send();
    },
  );

  app.get('/nimbus/v1/domains', async () => {
    const byDomain = new Map<string, HttpRouteRecord[]>();
    for (const r of routes.list()) {
      if (r.domain) byDomain.set(r.domain, [...(byDomain.get(r.domain) ?? []), r]);
    }
    return {
      domains: [...byDomain].map(([domain, list]) => ({ domain, routes: list.map(routeView) })),
    };
  });

  app.delete<{ Params: { domain: string } }>('/nimbus/v1/domains/:domain', async (req, reply) => {
    const domain = checkDomain(req.params.domain);
    const list = routes.list(domain);
    if (!list.length) throw fail('NotFound', `no routes on domain ${domain}`);
    for (const r of list) await routes.remove(r.id);
    reply.status(204);
    return reply.send();
  });

  app.post('/nimbus/v1/http-keys', async (req, reply) => {
    const b = jsonBody(req, z.object({ description: z.string().max(256).optional() }).strict());
    reply.status(201).header('Cache-Control', 'no-store');
    return await apiKeys.create(b.description ?? '');
  });

  app.get('/nimbus/v1/http-keys', async () => ({ keys: await apiKeys.list() }));

  app.delete<{ Params: { id: string } }>('/nimbus/v1/http-keys/:id', async (req, reply) => {
    if (!(await apiKeys.delete(req.params.id))) {
      throw fail('NotFound', `no such API key: ${req.params.id}`);
    }
    reply.status(204);
    return reply.send();
  });
}
