import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { fail } from '../../shared/error-codes.js';
import type { LayerVersionRecord } from '../../store/types.js';
import { jsonBody } from '../body.js';
import type { ApiDeps } from '../deps.js';
import { zipFromSource } from './code-source.js';
import { maxItems, selfUrl, withMarker } from './params.js';

const PublishBody = z
  .object({
    Content: z
      .object({
        ZipFile: z.string().optional(),
        S3Bucket: z.string().optional(),
        S3Key: z.string().optional(),
        S3ObjectVersion: z.string().optional(),
      })
      .loose(),
    Description: z.string().max(256).optional(),
    CompatibleRuntimes: z.array(z.string()).optional(),
    CompatibleArchitectures: z.array(z.enum(['x86_64', 'arm64'])).optional(),
    LicenseInfo: z.string().max(512).optional(),
  })
  .loose();

type LayerParams = {
  Params: { layer: string; version: string };
  Querystring: Record<string, string | undefined>;
};

function versionNumber(raw: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1)
    throw fail(
      'ValidationException',
      `1 validation error detected: Value '${raw}' at 'versionNumber' failed to satisfy constraint: Member must be a positive whole number`,
    );
  return n;
}

/** PublishLayerVersion, GetLayerVersion(ByArn), ListLayerVersions, ListLayers, DeleteLayerVersion. */
export function layerRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const { layers } = deps;
  const shape = (l: LayerVersionRecord, base?: string) => ({
    ...(base
      ? {
          Content: {
            Location: deps.codeLinks.url(base, l.codeHexSha),
            CodeSha256: l.codeSha256,
            CodeSize: l.codeSizeBytes,
          },
        }
      : {}),
    LayerArn: layers.layerArn(l.name),
    LayerVersionArn: layers.versionArn(l.name, l.version),
    Description: l.description,
    CreatedDate: l.createdDate,
    Version: l.version,
    ...(l.compatibleRuntimes.length ? { CompatibleRuntimes: l.compatibleRuntimes } : {}),
    ...(l.compatibleArchitectures.length
      ? { CompatibleArchitectures: l.compatibleArchitectures }
      : {}),
    ...(l.licenseInfo ? { LicenseInfo: l.licenseInfo } : {}),
  });

  app.post<LayerParams>('/2018-10-31/layers/:layer/versions', async (req, reply) => {
    const b = jsonBody(req, PublishBody);
    const zip = await zipFromSource(deps, b.Content, 'layer content');
    const rec = await layers.publish({
      name: req.params.layer,
      zip,
      ...(b.Description !== undefined ? { description: b.Description } : {}),
      ...(b.CompatibleRuntimes ? { compatibleRuntimes: b.CompatibleRuntimes } : {}),
      ...(b.CompatibleArchitectures ? { compatibleArchitectures: b.CompatibleArchitectures } : {}),
      ...(b.LicenseInfo !== undefined ? { licenseInfo: b.LicenseInfo } : {}),
    });
    reply.status(201);
    return shape(rec, selfUrl(req));
  });

  app.get<LayerParams>('/2018-10-31/layers/:layer/versions/:version', async (req) =>
    shape(await layers.get(req.params.layer, versionNumber(req.params.version)), selfUrl(req)),
  );

  app.get<LayerParams>('/2018-10-31/layers/:layer/versions', async (req) => {
    const page = await layers.listVersions(
      req.params.layer,
      req.query.Marker || undefined,
      maxItems(req.query.MaxItems),
    );
    return withMarker({ LayerVersions: page.items.map((l) => shape(l)) }, page.nextMarker);
  });

  app.delete<LayerParams>('/2018-10-31/layers/:layer/versions/:version', async (req, reply) => {
    await layers.delete(req.params.layer, versionNumber(req.params.version));
    reply.status(204).send();
    return reply;
  });

  app.get<{ Querystring: Record<string, string | undefined> }>(
    '/2018-10-31/layers',
    async (req) => {
      if (req.query.find === 'LayerVersion') {
        const m = /:layer:([a-zA-Z0-9-_]+):(\d+)$/.exec(req.query.Arn ?? '');
        if (!m)
          throw fail(
            'ValidationException',
            `1 validation error detected: Value '${req.query.Arn}' at 'arn' failed to satisfy constraint: Member must be a layer version ARN`,
          );
        return shape(await layers.get(m[1]!, Number(m[2])), selfUrl(req));
      }
      const page = await layers.listLatest(
        req.query.Marker || undefined,
        maxItems(req.query.MaxItems),
      );
      return withMarker(
        {
          Layers: page.items.map((l) => ({
            LayerName: l.name,
            LayerArn: layers.layerArn(l.name),
            LatestMatchingVersion: shape(l),
          })),
        },
        page.nextMarker,
      );
    },
  );
}
