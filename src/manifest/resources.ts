import type { CorsSpec, FunctionSpec, Manifest } from './types.js';

/** What the planner compares, in the order they are created (deleted in reverse). */
export const KINDS = [
  'queue',
  'bucket',
  'service',
  'layer',
  'function',
  'concurrency',
  'async',
  'url',
  'route',
  'timer',
  'mapping',
  'notification',
] as const;
export type ResourceKind = (typeof KINDS)[number];

/** Kinds that are settings of one function: gone from its entry means removed, no --prune needed. */
export const FUNCTION_SETTINGS: ReadonlySet<ResourceKind> = new Set([
  'concurrency',
  'async',
  'url',
]);

/** The tag that marks what a manifest owns. */
export const PROJECT_TAG = 'nimbus:project';

/**
 * One thing on the server, reduced to what a manifest can say about it.
 * `spec` holds comparable values only, defaults filled in, so equal specs mean "unchanged".
 */
export interface Resource {
  kind: ResourceKind;
  /** Unique within its kind: a name, `GET /path`, `queue → function`, `bucket/id`. */
  key: string;
  /** The function it belongs to or targets. */
  fn?: string;
  spec: Record<string, unknown>;
  /** Server-side id (route id, mapping UUID) for current resources. */
  ref?: string;
  /** Current resources: tagged with (or belonging to a function of) this project. */
  owned?: boolean;
}

/** What `nimbus deploy` knows about a function's code before asking the server. */
export interface CodeInfo {
  sha256: string;
  sizeBytes: number;
}

/** Server defaults, so an omitted key compares equal to what the server keeps. */
export const FUNCTION_DEFAULTS = {
  runtime: 'nodejs20.x',
  handler: 'index.handler',
  memoryMb: 128,
  timeoutS: 3,
  description: '',
  flavour: 'lambda',
  initializer: null,
  initializationTimeoutS: 3,
  service: 'default',
} as const;

/** CORS with the server's defaults filled in. */
export function corsSpec(c: CorsSpec | undefined): Record<string, unknown> | null {
  if (!c) return null;
  return {
    allowOrigins: c.allowOrigins,
    allowMethods: (c.allowMethods ?? ['*']).map((m) => m.toUpperCase()),
    allowHeaders: (c.allowHeaders ?? []).map((h) => h.toLowerCase()),
    exposeHeaders: c.exposeHeaders ?? [],
    allowCredentials: c.allowCredentials ?? false,
    maxAgeS: c.maxAgeS ?? null,
  };
}

/** The key of a manifest layer's packaged code in the code map (function names have no `:`). */
export const layerCodeKey = (name: string) => `layer:${name}`;

/**
 * A function's layers as compared: a layer of the manifest as `name@sha256`
 * of its code (so new layer code reads as a change of the functions using
 * it), a layer version ARN as is.
 */
export function layerRefs(f: FunctionSpec, code: ReadonlyMap<string, CodeInfo>): string[] {
  return (f.layers ?? []).map((l) => {
    if (l.startsWith('arn:')) return l;
    const c = code.get(layerCodeKey(l));
    if (!c) throw new Error(`layer ${l} is not in the manifest's layers`);
    return `${l}@${c.sha256}`;
  });
}

/** The comparable settings of one function (code and project tag included). */
export function functionSpec(
  project: string,
  f: FunctionSpec,
  code: CodeInfo,
  layers: string[] = [],
) {
  return {
    runtime: f.runtime ?? FUNCTION_DEFAULTS.runtime,
    handler: f.handler ?? FUNCTION_DEFAULTS.handler,
    memoryMb: f.memoryMb ?? FUNCTION_DEFAULTS.memoryMb,
    timeoutS: f.timeoutS ?? FUNCTION_DEFAULTS.timeoutS,
    env: f.env ?? {},
    description: f.description ?? FUNCTION_DEFAULTS.description,
    flavour: f.flavour ?? FUNCTION_DEFAULTS.flavour,
    initializer: f.initializer ?? FUNCTION_DEFAULTS.initializer,
    initializationTimeoutS: f.initializationTimeoutS ?? FUNCTION_DEFAULTS.initializationTimeoutS,
    service: f.service ?? FUNCTION_DEFAULTS.service,
    layers,
    project,
    codeSha256: code.sha256,
  };
}

function stringValues(env: Record<string, unknown> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(env ?? {}).map(([k, v]) => [k, String(v)]));
}

/** `GET /path` or `api.example.com GET /path`. */
export function routeKey(route: string, domain: string | null | undefined): string {
  return domain ? `${domain} ${route}` : route;
}

/**
 * Everything a manifest asks for, as resources. `code` has the packaged
 * code of every function (by name).
 */
export function desiredResources(m: Manifest, code: ReadonlyMap<string, CodeInfo>): Resource[] {
  const out: Resource[] = [];
  for (const [name, q] of Object.entries(m.queues ?? {})) {
    out.push({
      kind: 'queue',
      key: name,
      spec: {
        visibilityTimeoutS: q?.visibilityTimeoutS ?? 30,
        delayS: q?.delayS ?? 0,
        retentionS: q?.retentionS ?? 345600,
        project: m.project,
      },
    });
  }
  for (const name of Object.keys(m.buckets ?? {}))
    out.push({ kind: 'bucket', key: name, spec: {} });
  for (const [name, s] of Object.entries(m.services ?? {})) {
    out.push({
      kind: 'service',
      key: name,
      spec: {
        description: s?.description ?? '',
        internetAccess: s?.internetAccess ?? false,
        logRetentionDays: s?.logRetentionDays ?? null,
        env: stringValues(s?.env),
      },
    });
  }
  for (const [name, l] of Object.entries(m.layers ?? {})) {
    const c = code.get(layerCodeKey(name));
    if (!c) throw new Error(`no packaged code for layer ${name}`);
    out.push({
      kind: 'layer',
      key: name,
      spec: {
        codeSha256: c.sha256,
        description: l.description ?? '',
        compatibleRuntimes: l.compatibleRuntimes ?? [],
      },
    });
  }
  for (const [name, f] of Object.entries(m.functions)) {
    const c = code.get(name);
    if (!c) throw new Error(`no packaged code for function ${name}`);
    const spec = functionSpec(m.project, f, c, layerRefs(f, code));
    out.push({ kind: 'function', key: name, fn: name, spec });
    if (f.reservedConcurrency !== undefined) {
      out.push({
        kind: 'concurrency',
        key: name,
        fn: name,
        spec: { reserved: f.reservedConcurrency },
      });
    }
    if (f.async) {
      out.push({
        kind: 'async',
        key: name,
        fn: name,
        spec: {
          maxRetries: f.async.maxRetries ?? 2,
          maxEventAgeS: f.async.maxEventAgeS ?? 21600,
          onSuccess: f.async.onSuccess ?? null,
          onFailure: f.async.onFailure ?? null,
        },
      });
    }
    if (f.url) {
      const u = f.url === true ? {} : f.url;
      out.push({
        kind: 'url',
        key: name,
        fn: name,
        spec: {
          authType: u.authType ?? 'NONE',
          invokeMode: u.invokeMode ?? 'BUFFERED',
        },
      });
    }
    for (const r of f.routes ?? []) {
      const spec = typeof r === 'string' ? { route: r } : r;
      out.push({
        kind: 'route',
        key: routeKey(spec.route, spec.domain),
        fn: name,
        spec: {
          function: name,
          payload: spec.payload ?? (f.flavour === 'fc' ? 'fc' : '2.0'),
          auth: spec.auth ?? 'none',
          cors: corsSpec(spec.cors),
        },
      });
    }
    for (const [timer, t] of Object.entries(f.timers ?? {})) {
      out.push({
        kind: 'timer',
        key: timer,
        fn: name,
        spec: {
          function: name,
          schedule: t.schedule,
          timezone: t.timezone ?? null,
          payload: t.payload ?? null,
          enabled: t.enabled ?? true,
        },
      });
    }
    for (const q of f.queues ?? []) {
      out.push({
        kind: 'mapping',
        key: `${q.queue} → ${name}`,
        fn: name,
        spec: {
          batchSize: q.batchSize ?? 10,
          windowS: q.windowS ?? 0,
          reportFailures: q.reportFailures ?? false,
          enabled: q.enabled ?? true,
        },
      });
    }
    const perBucket = new Map<string, number>();
    for (const b of f.buckets ?? []) {
      const n = (perBucket.get(b.bucket) ?? 0) + 1;
      perBucket.set(b.bucket, n);
      out.push({
        kind: 'notification',
        key: `${b.bucket}/${n === 1 ? name : `${name}-${n}`}`,
        fn: name,
        spec: {
          events: b.events ?? ['s3:ObjectCreated:*'],
          prefix: b.prefix ?? '',
          suffix: b.suffix ?? '',
        },
      });
    }
  }
  return out;
}
