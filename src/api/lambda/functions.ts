import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { FunctionSettings } from '../../functions/index.js';
import { parseFunctionRef } from '../../shared/arn.js';
import { fail } from '../../shared/error-codes.js';
import type { FunctionRecord } from '../../store/types.js';
import { base64Field, jsonBody } from '../body.js';
import type { ApiDeps } from '../deps.js';
import { toFunctionConfiguration } from './function-config.js';
import { CreateFunctionBody, UpdateCodeBody, UpdateConfigBody } from './schemas.js';

type NameParams = { Params: { name: string }; Querystring: Record<string, string | undefined> };

/** Code from a Lambda `Code` / UpdateFunctionCode body: only ZipFile until Nimbus has its own S3. */
function zipFrom(code: {
  ZipFile?: string | undefined;
  S3Bucket?: string | undefined;
  ImageUri?: string | undefined;
}): Buffer {
  if (code.ImageUri) {
    throw fail(
      'InvalidParameterValueException',
      'Container images are not supported by Nimbus: upload a .zip as ZipFile',
    );
  }
  if (code.S3Bucket) {
    throw fail(
      'InvalidParameterValueException',
      'Code from S3 (S3Bucket/S3Key) is not supported yet: upload the .zip as ZipFile',
    );
  }
  if (!code.ZipFile)
    throw fail(
      'InvalidParameterValueException',
      'Please provide a source for function code (ZipFile).',
    );
  return base64Field(code.ZipFile, 'ZipFile');
}

function notYet(what: string): never {
  throw fail(
    'InvalidParameterValueException',
    `${what} is not supported by this Nimbus version yet`,
  );
}

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
  Layers?: string[] | undefined;
}): FunctionSettings {
  if (b.Layers?.length) notYet('Layers');
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

/** Base URL of this server as the client reached it (for Code.Location). */
function selfUrl(req: FastifyRequest): string {
  return `${req.protocol}://${req.headers.host ?? 'localhost'}`;
}

/** Registers CreateFunction, Get*, ListFunctions, Update*, DeleteFunction. */
export function functionRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const { arn, registry } = deps;

  /** The function a path parameter names, at `$LATEST` (versions come with issue #3). */
  async function load(
    req: FastifyRequest<NameParams>,
  ): Promise<{ fn: FunctionRecord; qualified: boolean }> {
    const { name, qualifier } = parseFunctionRef(arn, req.params.name, req.query.Qualifier);
    const fn = await registry.resolve(name);
    if (!fn) throw registry.notFound(name, qualifier);
    if (qualifier !== undefined && qualifier !== '$LATEST')
      throw registry.notFound(name, qualifier);
    return { fn, qualified: qualifier !== undefined };
  }

  app.post('/2015-03-31/functions', async (req, reply) => {
    const b = jsonBody(req, CreateFunctionBody);
    if (b.PackageType === 'Image') {
      throw fail(
        'InvalidParameterValueException',
        'PackageType Image is not supported by Nimbus: use Zip',
      );
    }
    if (b.Publish) notYet('Publish (versions)');
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
    const zip = zipFrom(b.Code);
    const settings = settingsFrom(b);
    if (b.Architectures) settings.architectures = b.Architectures;
    if (b.Tags) settings.tags = b.Tags;
    const fn = await registry.create({
      ...settings,
      name,
      runtime: b.Runtime,
      handler: b.Handler,
      zip,
    });
    reply.status(201);
    return toFunctionConfiguration(arn, fn);
  });

  app.get<NameParams>('/2015-03-31/functions/:name', async (req) => {
    const { fn, qualified } = await load(req);
    return {
      Configuration: toFunctionConfiguration(arn, fn, qualified),
      Code: {
        RepositoryType: 'S3',
        Location: `${selfUrl(req)}/nimbus/v1/code/${fn.codeHexSha}.zip`,
      },
      ...(Object.keys(fn.tags).length ? { Tags: fn.tags } : {}),
      ...(fn.reservedConcurrency !== null
        ? { Concurrency: { ReservedConcurrentExecutions: fn.reservedConcurrency } }
        : {}),
    };
  });

  app.get<NameParams>('/2015-03-31/functions/:name/configuration', async (req) => {
    const { fn, qualified } = await load(req);
    return toFunctionConfiguration(arn, fn, qualified);
  });

  app.get<{ Querystring: Record<string, string | undefined> }>(
    '/2015-03-31/functions',
    async (req) => {
      const q = req.query;
      let limit = 50;
      if (q.MaxItems !== undefined) {
        const n = Number(q.MaxItems);
        if (!Number.isInteger(n) || n < 1 || n > 10000) {
          throw fail(
            'ValidationException',
            `1 validation error detected: Value '${q.MaxItems}' at 'maxItems' failed to satisfy constraint: Member must have value between 1 and 10000`,
          );
        }
        limit = Math.min(n, 50);
      }
      if (q.FunctionVersion !== undefined && q.FunctionVersion !== 'ALL') {
        throw fail(
          'ValidationException',
          `1 validation error detected: Value '${q.FunctionVersion}' at 'functionVersion' failed to satisfy constraint: Member must satisfy enum value set: [ALL]`,
        );
      }
      const page = await registry.list(q.Marker || undefined, limit);
      return {
        Functions: page.items.map((fn) => toFunctionConfiguration(arn, fn)),
        ...(page.nextMarker ? { NextMarker: page.nextMarker } : {}),
      };
    },
  );

  app.put<NameParams>('/2015-03-31/functions/:name/code', async (req) => {
    const b = jsonBody(req, UpdateCodeBody);
    const { name, qualifier } = parseFunctionRef(arn, req.params.name);
    if (qualifier !== undefined) {
      throw fail(
        'InvalidParameterValueException',
        'UpdateFunctionCode does not take a qualified function name',
      );
    }
    if (b.Publish) notYet('Publish (versions)');
    const zip = zipFrom(b);
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
    return toFunctionConfiguration(arn, fn);
  });

  app.put<NameParams>('/2015-03-31/functions/:name/configuration', async (req) => {
    const b = jsonBody(req, UpdateConfigBody);
    const { name, qualifier } = parseFunctionRef(arn, req.params.name);
    if (qualifier !== undefined) {
      throw fail(
        'InvalidParameterValueException',
        'UpdateFunctionConfiguration does not take a qualified function name',
      );
    }
    const fn = await registry.updateConfig(name, settingsFrom(b), b.RevisionId);
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
    if (qualifier !== undefined) throw registry.notFound(name, qualifier);
    await registry.delete(name);
    reply.status(204).send();
  });
}
