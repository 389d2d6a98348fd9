import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { FunctionSettings } from '../../functions/index.js';
import { functionArn, parseFunctionRef } from '../../shared/arn.js';
import { fail } from '../../shared/error-codes.js';
import type { FunctionRecord } from '../../store/types.js';
import { jsonBody } from '../body.js';
import type { ApiDeps } from '../deps.js';
import { zipFromSource } from './code-source.js';
import { toFunctionConfiguration } from './function-config.js';
import { maxItems, type NameParams, selfUrl, withMarker } from './params.js';
import { CreateFunctionBody, UpdateCodeBody, UpdateConfigBody } from './schemas.js';
import { checkTags } from './tags.js';

/** Lambda's settings → Nimbus's. */
function settingsFrom(b: {
  Runtime?: string | undefined;
  Handler?: string | undefined;
  Role?: string | undefined;
  Description?: string | undefined;
  Timeout?: number | undefined;
  MemorySize?: number | undefined;
  Environment?: { Variables?: Record<string, string> | undefined } | undefined;
  EphemeralStorage?: { Size: number } | undefined;
}): FunctionSettings {
  const s: FunctionSettings = {};
  if (b.Runtime !== undefined) s.runtime = b.Runtime;
  if (b.Handler !== undefined) s.handler = b.Handler;
  if (b.Role !== undefined) s.role = b.Role;
  if (b.Description !== undefined) s.description = b.Description;
  if (b.Timeout !== undefined) s.timeoutS = b.Timeout;
  if (b.MemorySize !== undefined) s.memoryMb = b.MemorySize;
  if (b.Environment !== undefined) s.env = b.Environment.Variables ?? {};
  if (b.EphemeralStorage !== undefined) s.ephemeralStorageMb = b.EphemeralStorage.Size;
  return s;
}

function unqualified(arn: ApiDeps['arn'], raw: string, op: string): string {
  const { name, qualifier } = parseFunctionRef(arn, raw);
  if (qualifier !== undefined) {
    throw fail('InvalidParameterValueException', `${op} does not take a qualified function name`);
  }
  return name;
}

/** Registers CreateFunction, Get*, ListFunctions, Update*, DeleteFunction. */
export function functionRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const { arn, registry } = deps;

  /**
   * The function version a path parameter (and `?Qualifier=`) names: `$LATEST`,
   * a published version, or the version an alias points at.
   */
  async function load(
    req: FastifyRequest<NameParams>,
  ): Promise<{ fn: FunctionRecord; qualifier: string | undefined }> {
    const { name, qualifier } = parseFunctionRef(arn, req.params.name, req.query.Qualifier);
    const latest = await registry.resolve(name);
    if (!latest) throw registry.notFound(name, qualifier);
    if (qualifier === undefined || qualifier === '$LATEST') return { fn: latest, qualifier };
    let version = qualifier;
    if (!/^\d+$/.test(qualifier)) {
      const alias = await deps.aliases.lookup(name, qualifier);
      if (!alias) throw registry.notFound(name, qualifier);
      version = alias.functionVersion;
    }
    const fn = await registry.version(name, version);
    if (!fn) throw registry.notFound(name, qualifier);
    return { fn, qualifier };
  }

  /** FunctionConfiguration of a loaded version; FunctionArn carries the qualifier asked for. */
  const configOf = (fn: FunctionRecord, qualifier: string | undefined) => ({
    ...toFunctionConfiguration(arn, fn),
    ...(qualifier !== undefined ? { FunctionArn: functionArn(arn, fn.name, qualifier) } : {}),
  });

  app.post('/2015-03-31/functions', async (req, reply) => {
    const b = jsonBody(req, CreateFunctionBody);
    if (b.PackageType === 'Image') {
      throw fail(
        'InvalidParameterValueException',
        'PackageType Image is not supported by Nimbus: use Zip',
      );
    }
    const { name, qualifier } = parseFunctionRef(arn, b.FunctionName);
    if (qualifier !== undefined) {
      throw fail(
        'InvalidParameterValueException',
        'A function name for CreateFunction cannot carry a qualifier',
      );
    }
    if (!b.Runtime)
      throw fail(
        'InvalidParameterValueException',
        'Runtime must be specified for Zip package type.',
      );
    if (!b.Handler)
      throw fail(
        'InvalidParameterValueException',
        'Handler must be specified for Zip package type.',
      );
    const zip = await zipFromSource(deps, b.Code, 'function code');
    const settings = settingsFrom(b);
    if (b.Architectures) settings.architectures = b.Architectures;
    if (b.Tags) {
      checkTags(b.Tags);
      settings.tags = b.Tags;
    }
    const fn = await registry.create({
      ...settings,
      name,
      runtime: b.Runtime,
      handler: b.Handler,
      zip,
      ...(b.Layers ? { layerArns: b.Layers } : {}),
    });
    reply.status(201);
    return toFunctionConfiguration(arn, b.Publish ? await registry.publishVersion(name) : fn);
  });

  app.get<NameParams>('/2015-03-31/functions/:name', async (req) => {
    const { fn, qualifier } = await load(req);
    const latest = await registry.get(fn.name);
    return {
      Configuration: configOf(fn, qualifier),
      Code: {
        RepositoryType: 'S3',
        Location: deps.codeLinks.url(selfUrl(req), fn.codeHexSha),
      },
      ...(Object.keys(latest.tags).length ? { Tags: latest.tags } : {}),
      ...(latest.reservedConcurrency !== null
        ? { Concurrency: { ReservedConcurrentExecutions: latest.reservedConcurrency } }
        : {}),
    };
  });

  app.get<NameParams>('/2015-03-31/functions/:name/configuration', async (req) => {
    const { fn, qualifier } = await load(req);
    return configOf(fn, qualifier);
  });

  app.get<{ Querystring: Record<string, string | undefined> }>(
    '/2015-03-31/functions',
    async (req) => {
      const q = req.query;
      const limit = maxItems(q.MaxItems);
      if (q.FunctionVersion !== undefined && q.FunctionVersion !== 'ALL') {
        throw fail(
          'ValidationException',
          `1 validation error detected: Value '${q.FunctionVersion}' at 'functionVersion' failed to satisfy constraint: Member must satisfy enum value set: [ALL]`,
        );
      }
      const page =
        q.FunctionVersion === 'ALL'
          ? await registry.listAll(q.Marker || undefined, limit)
          : await registry.list(q.Marker || undefined, limit);
      return withMarker(
        { Functions: page.items.map((fn) => toFunctionConfiguration(arn, fn)) },
        page.nextMarker,
      );
    },
  );

  app.put<NameParams>('/2015-03-31/functions/:name/code', async (req) => {
    const b = jsonBody(req, UpdateCodeBody);
    const name = unqualified(arn, req.params.name, 'UpdateFunctionCode');
    const zip = await zipFromSource(deps, b, 'function code');
    if (b.DryRun) {
      const fn = await registry.get(name);
      const info = await deps.code.inspect(zip);
      return toFunctionConfiguration(arn, {
        ...fn,
        codeSha256: info.codeSha256,
        codeSizeBytes: info.codeSizeBytes,
      });
    }
    const fn = await registry.updateCode(name, zip, b.RevisionId);
    return toFunctionConfiguration(arn, b.Publish ? await registry.publishVersion(name) : fn);
  });

  app.put<NameParams>('/2015-03-31/functions/:name/configuration', async (req) => {
    const b = jsonBody(req, UpdateConfigBody);
    const name = unqualified(arn, req.params.name, 'UpdateFunctionConfiguration');
    const fn = await registry.updateConfig(name, settingsFrom(b), b.RevisionId, b.Layers);
    return toFunctionConfiguration(arn, fn);
  });

  app.delete<NameParams>('/2015-03-31/functions/:name', async (req, reply) => {
    const { name, qualifier } = parseFunctionRef(arn, req.params.name, req.query.Qualifier);
    if (qualifier === '$LATEST') {
      throw fail(
        'InvalidParameterValueException',
        '$LATEST version cannot be deleted without deleting the function.',
      );
    }
    if (qualifier === undefined) await registry.delete(name);
    else if (/^\d+$/.test(qualifier)) await registry.deleteVersion(name, qualifier);
    else {
      throw fail(
        'InvalidParameterValueException',
        'DeleteFunction takes a version number as Qualifier; delete an alias with DeleteAlias',
      );
    }
    reply.status(204).send();
  });
}
