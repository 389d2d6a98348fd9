import { z } from 'zod';
import { PROJECT_TAG, type Resource, routeKey } from '../../manifest/index.js';
import { FunctionConfiguration } from '../answers.js';
import { readRules } from '../commands/bucket-notify.js';
import type { CliContext } from '../context.js';
import { CliError } from '../errors.js';
import { functionLabel } from '../output.js';
import { s3Xml } from '../s3.js';
import { queueAttributes, queueNameOf, sqsCall } from '../sqs.js';

const NativeFunction = z.object({
  function: FunctionConfiguration.extend({
    Layers: z.array(z.object({ Arn: z.string() }).loose()).nullish(),
  }),
  tags: z.record(z.string(), z.string()),
  reservedConcurrency: z.number().nullable(),
});
const FunctionList = z.object({
  Functions: z.array(z.object({ FunctionName: z.string() }).loose()),
  NextMarker: z.string().nullish(),
});
const RouteList = z.object({
  routes: z.array(
    z
      .object({
        id: z.string(),
        domain: z.string().nullable(),
        route: z.string(),
        function: z.string().optional(),
        payload: z.string(),
        auth: z.object({ type: z.string() }).loose(),
        cors: z.record(z.string(), z.unknown()).nullable(),
      })
      .loose(),
  ),
});
const TimerList = z.object({
  timers: z.array(
    z
      .object({
        name: z.string(),
        function: z.string(),
        qualifier: z.string().nullable(),
        schedule: z.string(),
        timezone: z.string().nullable(),
        payload: z.string().nullable(),
        enabled: z.boolean(),
      })
      .loose(),
  ),
});
const MappingList = z.object({
  EventSourceMappings: z.array(
    z
      .object({
        UUID: z.string(),
        EventSourceArn: z.string(),
        FunctionArn: z.string(),
        BatchSize: z.number(),
        MaximumBatchingWindowInSeconds: z.number().nullish(),
        FunctionResponseTypes: z.array(z.string()).nullish(),
        State: z.string(),
      })
      .loose(),
  ),
  NextMarker: z.string().nullish(),
});
const AsyncConfig = z
  .object({
    MaximumRetryAttempts: z.number().nullish(),
    MaximumEventAgeInSeconds: z.number().nullish(),
    DestinationConfig: z
      .object({
        OnSuccess: z.object({ Destination: z.string().nullish() }).loose().nullish(),
        OnFailure: z.object({ Destination: z.string().nullish() }).loose().nullish(),
      })
      .loose()
      .nullish(),
  })
  .loose();
const UrlConfig = z.object({ AuthType: z.string(), InvokeMode: z.string().nullish() }).loose();
const ServiceList = z.object({
  services: z.array(
    z
      .object({
        name: z.string(),
        description: z.string(),
        internetAccess: z.boolean(),
        logRetentionDays: z.number().nullable(),
        env: z.record(z.string(), z.string()),
      })
      .loose(),
  ),
});
const LayerVersionList = z.object({
  LayerVersions: z.array(z.object({ Version: z.number(), LayerVersionArn: z.string() }).loose()),
});
const LayerVersion = z
  .object({
    LayerVersionArn: z.string(),
    Description: z.string().nullish(),
    CompatibleRuntimes: z.array(z.string()).nullish(),
    Content: z.object({ CodeSha256: z.string() }).loose(),
  })
  .loose();
const QueueList = z.object({ QueueUrls: z.array(z.string()).optional() }).loose();
const QueueTags = z.object({ Tags: z.record(z.string(), z.string()).optional() }).loose();
const BucketList = z.object({
  ListAllMyBucketsResult: z.object({
    Buckets: z
      .union([z.literal(''), z.object({ Bucket: z.array(z.object({ Name: z.string() }).loose()) })])
      .optional(),
  }),
});

/** GET that answers undefined on 404 (a setting that is not there). */
async function optional<T>(call: () => Promise<T>): Promise<T | undefined> {
  try {
    return await call();
  } catch (e) {
    if (e instanceof CliError && e.status === 404) return undefined;
    throw e;
  }
}

/** `arn:...:function:worker` → `worker`; null stays null. */
const destinationName = (arn: string | null | undefined) => (arn ? functionLabel(arn) : null);

/** Every function name on the server. */
async function functionNames(ctx: CliContext): Promise<string[]> {
  const names: string[] = [];
  let marker: string | undefined;
  do {
    const { value } = await ctx.client.json('/2015-03-31/functions', FunctionList, {
      query: { MaxItems: 50, Marker: marker },
    });
    names.push(...value.Functions.map((f) => f.FunctionName));
    marker = value.NextMarker ?? undefined;
  } while (marker);
  return names;
}

/** A layer version (by ARN), asked once per ARN. */
function layerVersions(ctx: CliContext) {
  const seen = new Map<string, Promise<z.output<typeof LayerVersion>>>();
  return (arn: string) => {
    let v = seen.get(arn);
    if (!v) {
      const q = { find: 'LayerVersion', Arn: arn };
      v = ctx.client.json('/2018-10-31/layers', LayerVersion, { query: q }).then((r) => r.value);
      seen.set(arn, v);
    }
    return v;
  };
}
type LayerLookup = ReturnType<typeof layerVersions>;

/** A function's layers as the planner compares them: `name@sha256` for the manifest's layers. */
async function layerRefsOf(arns: string[], manifestLayers: ReadonlySet<string>, get: LayerLookup) {
  const refs: string[] = [];
  for (const arn of arns) {
    const name = /:layer:([a-zA-Z0-9_-]+):\d+$/.exec(arn)?.[1];
    if (name && manifestLayers.has(name))
      refs.push(`${name}@${(await get(arn)).Content.CodeSha256}`);
    else refs.push(arn);
  }
  return refs;
}

/** The latest version of each manifest layer on the server, as resources. */
async function layerResources(ctx: CliContext, names: ReadonlySet<string>, get: LayerLookup) {
  const out: Resource[] = [];
  for (const name of names) {
    const list = await optional(() =>
      ctx.client.json(`/2018-10-31/layers/${encodeURIComponent(name)}/versions`, LayerVersionList),
    );
    const latest = list?.value.LayerVersions.sort((a, b) => b.Version - a.Version)[0];
    if (!latest) continue;
    const v = await get(latest.LayerVersionArn);
    out.push({
      kind: 'layer',
      key: name,
      ref: v.LayerVersionArn,
      owned: false,
      spec: {
        codeSha256: v.Content.CodeSha256,
        description: v.Description ?? '',
        compatibleRuntimes: v.CompatibleRuntimes ?? [],
      },
    });
  }
  return out;
}

/** One function and its settings (concurrency, async config, URL) as resources. */
async function functionResources(
  ctx: CliContext,
  name: string,
  project: string,
  layers: { names: ReadonlySet<string>; get: LayerLookup },
) {
  const path = `/nimbus/v1/functions/${encodeURIComponent(name)}`;
  const { value } = await ctx.client.json(path, NativeFunction);
  const f = value.function;
  const owned = value.tags[PROJECT_TAG] === project;
  const out: Resource[] = [
    {
      kind: 'function',
      key: name,
      fn: name,
      owned,
      spec: {
        runtime: f.Runtime,
        handler: f.Handler,
        memoryMb: f.MemorySize,
        timeoutS: f.Timeout,
        env: f.Environment?.Variables ?? {},
        description: f.Description ?? '',
        flavour: f.Nimbus?.Flavour ?? 'lambda',
        initializer: f.Nimbus?.Initializer ?? null,
        initializationTimeoutS: f.Nimbus?.InitializationTimeout ?? 3,
        service: f.Nimbus?.Service ?? 'default',
        layers: await layerRefsOf(
          (f.Layers ?? []).map((l) => l.Arn),
          layers.names,
          layers.get,
        ),
        project: value.tags[PROJECT_TAG] ?? null,
        codeSha256: f.CodeSha256,
      },
    },
  ];
  if (value.reservedConcurrency !== null) {
    out.push({
      kind: 'concurrency',
      key: name,
      fn: name,
      owned,
      spec: { reserved: value.reservedConcurrency },
    });
  }
  const fnPath = encodeURIComponent(name);
  const cfg = await optional(() =>
    ctx.client.json(`/2019-09-25/functions/${fnPath}/event-invoke-config`, AsyncConfig),
  );
  if (cfg) {
    const c = cfg.value;
    out.push({
      kind: 'async',
      key: name,
      fn: name,
      owned,
      spec: {
        maxRetries: c.MaximumRetryAttempts ?? 2,
        maxEventAgeS: c.MaximumEventAgeInSeconds ?? 21600,
        onSuccess: destinationName(c.DestinationConfig?.OnSuccess?.Destination),
        onFailure: destinationName(c.DestinationConfig?.OnFailure?.Destination),
      },
    });
  }
  const url = await optional(() =>
    ctx.client.json(`/2021-10-31/functions/${fnPath}/url`, UrlConfig),
  );
  if (url) {
    out.push({
      kind: 'url',
      key: name,
      fn: name,
      owned,
      spec: { authType: url.value.AuthType, invokeMode: url.value.InvokeMode ?? 'BUFFERED' },
    });
  }
  return { owned, resources: out };
}

/** What one read of the server found: resources, and which functions the project owns. */
export interface ServerState {
  resources: Resource[];
  ownedFunctions: Set<string>;
}

/**
 * Reads everything a manifest of `project` could own or collide with:
 * functions (and their concurrency, async config, URL), routes, timers,
 * event source mappings, queues, buckets and bucket notifications.
 * `manifestFunctions` are the manifest's function names; `wanted` the
 * `kind\0key` of every desired resource.
 */
export async function readServerState(
  ctx: CliContext,
  project: string,
  manifestFunctions: ReadonlySet<string>,
  wanted: ReadonlySet<string>,
): Promise<ServerState> {
  const resources: Resource[] = [];
  const ownedFunctions = new Set<string>();
  const layerNames = new Set(
    [...wanted].filter((w) => w.startsWith('layer\u0000')).map((w) => w.slice(6)),
  );
  const get = layerVersions(ctx);
  resources.push(...(await layerResources(ctx, layerNames, get)));
  for (const name of await functionNames(ctx)) {
    const fn = await functionResources(ctx, name, project, { names: layerNames, get });
    if (fn.owned) ownedFunctions.add(name);
    if (fn.owned || manifestFunctions.has(name)) resources.push(...fn.resources);
  }
  const relevant = (kind: Resource['kind'], key: string, fn: string) =>
    ownedFunctions.has(fn) || manifestFunctions.has(fn) || wanted.has(`${kind}\u0000${key}`);
  const base = (ref: string) => ref.split(':')[0] ?? ref;

  const routes = await ctx.client.json('/nimbus/v1/routes', RouteList);
  for (const r of routes.value.routes) {
    const key = routeKey(r.route, r.domain);
    const fn = base(r.function ?? '');
    if (!relevant('route', key, fn)) continue;
    resources.push({
      kind: 'route',
      key,
      fn,
      ref: r.id,
      owned: ownedFunctions.has(fn),
      spec: { function: r.function ?? null, payload: r.payload, auth: r.auth.type, cors: r.cors },
    });
  }
  const timers = await ctx.client.json('/nimbus/v1/timers', TimerList);
  for (const t of timers.value.timers) {
    if (!relevant('timer', t.name, t.function)) continue;
    resources.push({
      kind: 'timer',
      key: t.name,
      fn: t.function,
      owned: ownedFunctions.has(t.function),
      spec: {
        function: t.qualifier ? `${t.function}:${t.qualifier}` : t.function,
        schedule: t.schedule,
        timezone: t.timezone,
        payload: t.payload,
        enabled: t.enabled,
      },
    });
  }
  let marker: string | undefined;
  do {
    const { value } = await ctx.client.json('/2015-03-31/event-source-mappings/', MappingList, {
      query: { MaxItems: 100, Marker: marker },
    });
    for (const m of value.EventSourceMappings) {
      const target = functionLabel(m.FunctionArn);
      const key = `${queueNameOf(m.EventSourceArn)} → ${target}`;
      const fn = base(target);
      if (!relevant('mapping', key, fn)) continue;
      resources.push({
        kind: 'mapping',
        key,
        fn,
        ref: m.UUID,
        owned: ownedFunctions.has(fn),
        spec: {
          batchSize: m.BatchSize,
          windowS: m.MaximumBatchingWindowInSeconds ?? 0,
          reportFailures: m.FunctionResponseTypes?.includes('ReportBatchItemFailures') ?? false,
          enabled: !/^Disabl/.test(m.State),
        },
      });
    }
    marker = value.NextMarker ?? undefined;
  } while (marker);

  const services = await ctx.client.json('/nimbus/v1/services', ServiceList);
  for (const s of services.value.services) {
    if (!wanted.has(`service\u0000${s.name}`)) continue;
    resources.push({
      kind: 'service',
      key: s.name,
      owned: false,
      spec: {
        description: s.description,
        internetAccess: s.internetAccess,
        logRetentionDays: s.logRetentionDays,
        env: s.env,
      },
    });
  }

  const queues = await sqsCall(ctx, 'ListQueues', {}, QueueList);
  for (const url of queues.value.QueueUrls ?? []) {
    const name = queueNameOf(url);
    const tags = await sqsCall(ctx, 'ListQueueTags', { QueueUrl: url }, QueueTags, name);
    const owned = tags.value.Tags?.[PROJECT_TAG] === project;
    if (!owned && !wanted.has(`queue\u0000${name}`)) continue;
    const a = await queueAttributes(ctx, name, url, [
      'VisibilityTimeout',
      'DelaySeconds',
      'MessageRetentionPeriod',
    ]);
    resources.push({
      kind: 'queue',
      key: name,
      ref: url,
      owned,
      spec: {
        visibilityTimeoutS: Number(a.VisibilityTimeout ?? 30),
        delayS: Number(a.DelaySeconds ?? 0),
        retentionS: Number(a.MessageRetentionPeriod ?? 345600),
        project: tags.value.Tags?.[PROJECT_TAG] ?? null,
      },
    });
  }

  const listed = (await s3Xml(ctx, '/', { bucket: '' }, BucketList)).ListAllMyBucketsResult.Buckets;
  const buckets = listed === undefined || listed === '' ? [] : listed.Bucket.map((b) => b.Name);
  for (const bucket of buckets) {
    if (wanted.has(`bucket\u0000${bucket}`)) {
      resources.push({ kind: 'bucket', key: bucket, owned: false, spec: {} });
    }
    for (const rule of await readRules(ctx, bucket)) {
      const fn = base(functionLabel(rule.FunctionArn));
      const key = `${bucket}/${rule.Id}`;
      if (!relevant('notification', key, fn)) continue;
      resources.push({
        kind: 'notification',
        key,
        fn,
        ref: rule.FunctionArn,
        owned: ownedFunctions.has(fn),
        spec: { events: rule.Events, prefix: rule.Prefix, suffix: rule.Suffix },
      });
    }
  }
  return { resources, ownedFunctions };
}
