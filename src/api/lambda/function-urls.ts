import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { type FunctionUrls, urlNotFound } from '../../gateway/index.js';
import { functionArn, parseFunctionRef } from '../../shared/arn.js';
import { fail } from '../../shared/error-codes.js';
import type { FunctionUrlRecord } from '../../store/types.js';
import { jsonBody } from '../body.js';
import type { ApiDeps } from '../deps.js';
import { maxItems, type NameParams, withMarker } from './params.js';

const Cors = z
  .object({
    AllowCredentials: z.boolean().optional(),
    AllowHeaders: z.array(z.string().max(1024)).max(100).optional(),
    AllowMethods: z.array(z.string().max(6)).max(6).optional(),
    AllowOrigins: z.array(z.string().min(1).max(253)).max(100).optional(),
    ExposeHeaders: z.array(z.string().max(1024)).max(100).optional(),
    MaxAge: z.number().int().min(0).max(86400).optional(),
  })
  .loose();
const AuthType = z.enum(['NONE', 'AWS_IAM']);
const InvokeMode = z.enum(['BUFFERED', 'RESPONSE_STREAM']);
const CreateBody = z
  .object({ AuthType, Cors: Cors.optional(), InvokeMode: InvokeMode.optional() })
  .loose();
const UpdateBody = z
  .object({
    AuthType: AuthType.optional(),
    Cors: Cors.optional(),
    InvokeMode: InvokeMode.optional(),
  })
  .loose();

type Cors = z.infer<typeof Cors>;

/** Keeps the known CORS members only (a loose schema lets others through). */
function corsOf(c: Cors | undefined) {
  if (!c) return null;
  const { AllowCredentials, AllowHeaders, AllowMethods, AllowOrigins, ExposeHeaders, MaxAge } = c;
  return Object.fromEntries(
    Object.entries({
      AllowCredentials,
      AllowHeaders,
      AllowMethods,
      AllowOrigins,
      ExposeHeaders,
      MaxAge,
    }).filter(([, v]) => v !== undefined),
  );
}

/**
 * CreateFunctionUrlConfig, GetFunctionUrlConfig, UpdateFunctionUrlConfig,
 * DeleteFunctionUrlConfig, ListFunctionUrlConfigs (`/2021-10-31/functions/{name}/url(s)`).
 */
export function functionUrlRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const { arn, registry, aliases } = deps;
  const urls: FunctionUrls = deps.gateway.urls;
  const shape = (u: FunctionUrlRecord, withModified = true) => ({
    FunctionUrl: urls.urlOf(u),
    FunctionArn: functionArn(arn, u.functionName, u.qualifier ?? undefined),
    AuthType: u.authType,
    ...(u.cors ? { Cors: u.cors } : {}),
    CreationTime: u.creationTime,
    ...(withModified ? { LastModifiedTime: u.lastModifiedTime } : {}),
    InvokeMode: u.invokeMode,
  });
  /** The function and qualifier a URL call names; the function (and alias) must exist. */
  const target = async (raw: string, queryQualifier: string | undefined) => {
    const { name, qualifier } = parseFunctionRef(arn, raw, queryQualifier);
    if (qualifier !== undefined && (qualifier === '$LATEST' || /^\d+$/.test(qualifier))) {
      throw fail(
        'ValidationException',
        `1 validation error detected: Value '${qualifier}' at 'qualifier' failed to satisfy constraint: Member must satisfy regular expression pattern: (^\\$LATEST$)|((?!^[0-9]+$)([a-zA-Z0-9-_]+))`,
      );
    }
    if (!(await registry.resolve(name))) throw registry.notFound(name);
    if (qualifier !== undefined && !(await aliases.lookup(name, qualifier))) {
      throw fail(
        'ResourceNotFoundException',
        `Cannot find alias arn: ${functionArn(arn, name, qualifier)}`,
      );
    }
    return { name, qualifier: qualifier ?? null };
  };

  app.post<NameParams>('/2021-10-31/functions/:name/url', async (req, reply) => {
    const b = jsonBody(req, CreateBody);
    const t = await target(req.params.name, req.query.Qualifier);
    const rec = await urls.create(t.name, t.qualifier, {
      authType: b.AuthType,
      cors: corsOf(b.Cors),
      invokeMode: b.InvokeMode ?? 'BUFFERED',
    });
    reply.status(201);
    return shape(rec, false);
  });

  app.get<NameParams>('/2021-10-31/functions/:name/url', async (req) => {
    const t = await target(req.params.name, req.query.Qualifier);
    const rec = urls.get(t.name, t.qualifier);
    if (!rec) throw urlNotFound(t.name, t.qualifier);
    return shape(rec);
  });

  app.put<NameParams>('/2021-10-31/functions/:name/url', async (req) => {
    const b = jsonBody(req, UpdateBody);
    const t = await target(req.params.name, req.query.Qualifier);
    const rec = await urls.update(t.name, t.qualifier, {
      ...(b.AuthType ? { authType: b.AuthType } : {}),
      ...(b.Cors ? { cors: corsOf(b.Cors) } : {}),
      ...(b.InvokeMode ? { invokeMode: b.InvokeMode } : {}),
    });
    return shape(rec);
  });

  app.delete<NameParams>('/2021-10-31/functions/:name/url', async (req, reply) => {
    const t = await target(req.params.name, req.query.Qualifier);
    await urls.delete(t.name, t.qualifier);
    reply.status(204);
    return reply.send();
  });

  app.get<NameParams>('/2021-10-31/functions/:name/urls', async (req) => {
    const { name, qualifier } = parseFunctionRef(arn, req.params.name);
    if (qualifier !== undefined) {
      throw fail(
        'InvalidParameterValueException',
        'ListFunctionUrlConfigs takes an unqualified function name',
      );
    }
    if (!(await registry.resolve(name))) throw registry.notFound(name);
    const all = urls.list(name);
    const limit = maxItems(req.query.MaxItems);
    const start = req.query.Marker ? Number(req.query.Marker) : 0;
    if (!Number.isInteger(start) || start < 0) {
      throw fail('InvalidParameterValueException', 'Marker is not valid');
    }
    const page = all.slice(start, start + limit);
    const next = start + limit < all.length ? String(start + limit) : undefined;
    return withMarker({ FunctionUrlConfigs: page.map((u) => shape(u)) }, next);
  });
}
