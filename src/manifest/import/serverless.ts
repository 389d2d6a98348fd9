import type { FunctionSpec, Manifest } from '../types.js';
import {
  envOf,
  type ImportContext,
  isObject,
  type Json,
  method,
  nimbusRuntime,
  num,
  type Path,
  safeName,
  slashPath,
  str,
} from './context.js';
import { queueOf } from './queue-ref.js';
import { resolveVariables } from './variables.js';

const PROVIDER_KEYS = [
  'name',
  'runtime',
  'memorySize',
  'timeout',
  'environment',
  'stage',
  'region',
];
const FUNCTION_KEYS = [
  'handler',
  'runtime',
  'memorySize',
  'timeout',
  'environment',
  'description',
  'events',
  'reservedConcurrency',
  'name',
  'package',
  'maximumRetryAttempts',
  'maximumEventAge',
  'destinations',
];
const TOP_KEYS = [
  'plugins',
  'service',
  'frameworkVersion',
  'provider',
  'functions',
  'resources',
  'custom',
  'package',
];

/**
 * serverless.yml → the nimbus.yml model. Every function's code is the
 * service folder (as the Framework packages it) unless `package.artifact`
 * names a zip. Events: http (payload 1.0), httpApi (2.0), schedule, sqs, s3.
 * Unsupported keys are warned about by name.
 */
export function importServerless(
  ctx: ImportContext,
  env: NodeJS.ProcessEnv = process.env,
): Manifest {
  const root = resolveVariables(ctx, ctx.yaml.value as Json, env);
  ctx.unsupportedKeys([], root, TOP_KEYS);
  const provider = isObject(root.provider) ? root.provider : {};
  ctx.unsupportedKeys(['provider'], provider, PROVIDER_KEYS);
  if (root.plugins !== undefined) ctx.warn(['plugins'], 'plugins: not run by Nimbus: ignored');
  if (provider.name !== undefined && provider.name !== 'aws') {
    ctx.warn(['provider', 'name'], `provider ${String(provider.name)}: read as aws`);
  }
  const resources =
    isObject(root.resources) && isObject(root.resources.Resources) ? root.resources.Resources : {};
  const m: Manifest = { project: safeName(str(root.service) ?? 'service'), functions: {} };
  const defaults: Manifest['defaults'] = {};
  const runtime = nimbusRuntime(ctx, ['provider', 'runtime'], str(provider.runtime));
  if (runtime) defaults.runtime = runtime;
  if (num(provider.memorySize)) defaults.memoryMb = num(provider.memorySize);
  if (num(provider.timeout)) defaults.timeoutS = num(provider.timeout);
  const penv = envOf(ctx, ['provider', 'environment'], provider.environment);
  if (penv) defaults.env = penv;
  if (Object.keys(defaults).length) m.defaults = defaults;
  const fns = isObject(root.functions) ? root.functions : {};
  for (const [name, raw] of Object.entries(fns)) {
    if (!isObject(raw)) continue;
    const path: Path = ['functions', name];
    ctx.unsupportedKeys(path, raw, FUNCTION_KEYS);
    const f: FunctionSpec = { code: '.' };
    const pkg = isObject(raw.package) ? raw.package : {};
    if (str(pkg.artifact)) f.code = String(pkg.artifact);
    ctx.unsupportedKeys([...path, 'package'], pkg, ['artifact']);
    if (str(raw.handler)) f.handler = str(raw.handler);
    const rt = nimbusRuntime(ctx, [...path, 'runtime'], str(raw.runtime));
    if (rt) f.runtime = rt;
    if (num(raw.memorySize)) f.memoryMb = num(raw.memorySize);
    if (num(raw.timeout)) f.timeoutS = num(raw.timeout);
    if (str(raw.description)) f.description = str(raw.description);
    if (num(raw.reservedConcurrency) !== undefined)
      f.reservedConcurrency = num(raw.reservedConcurrency);
    const fenv = envOf(ctx, [...path, 'environment'], raw.environment);
    if (fenv) f.env = fenv;
    if (raw.maximumRetryAttempts !== undefined || raw.maximumEventAge !== undefined) {
      f.async = {
        ...(num(raw.maximumRetryAttempts) !== undefined
          ? { maxRetries: num(raw.maximumRetryAttempts) }
          : {}),
        ...(num(raw.maximumEventAge) !== undefined
          ? { maxEventAgeS: num(raw.maximumEventAge) }
          : {}),
      };
    }
    if (raw.destinations !== undefined)
      ctx.warn(
        [...path, 'destinations'],
        'destinations: not mapped (use async.onSuccess/onFailure in nimbus.yml)',
      );
    const events = Array.isArray(raw.events) ? raw.events : [];
    for (const [i, e] of events.entries()) {
      addEvent(ctx, m, name, f, e, [...path, 'events', i], resources);
    }
    m.functions[safeName(name)] = f;
  }
  return m;
}

function addEvent(
  ctx: ImportContext,
  m: Manifest,
  name: string,
  f: FunctionSpec,
  e: unknown,
  path: Path,
  resources: Json,
): void {
  if (!isObject(e)) return;
  const [kind, body] = Object.entries(e)[0] ?? [];
  if (kind === 'http' || kind === 'httpApi') {
    let route: string;
    let cors = false;
    let priv = false;
    if (typeof body === 'string') {
      route =
        body === '*'
          ? 'ANY /{proxy+}'
          : body.replace(/^(\S+)\s+(\S+)$/, (_, mt, p) => `${method(mt)} ${slashPath(p)}`);
    } else if (isObject(body)) {
      route = `${method(body.method)} ${slashPath(body.path)}`;
      cors = body.cors === true || isObject(body.cors);
      priv = body.private === true;
      ctx.unsupportedKeys([...path, kind], body, ['path', 'method', 'cors', 'private']);
    } else return;
    f.routes ??= [];
    f.routes.push({
      route,
      payload: kind === 'http' ? '1.0' : '2.0',
      ...(priv ? { auth: 'key' as const } : {}),
      ...(cors ? { cors: { allowOrigins: ['*'] } } : {}),
    });
  } else if (kind === 'schedule') {
    const spec = isObject(body) ? body : { rate: body };
    ctx.unsupportedKeys([...path, kind], spec, ['rate', 'enabled', 'input', 'name']);
    const rates = Array.isArray(spec.rate) ? spec.rate : [spec.rate];
    rates.forEach((rate, j) => {
      if (typeof rate !== 'string') return;
      f.timers ??= {};
      const base = str(spec.name) ?? `${name}-schedule-${Number(path.at(-1)) + 1}`;
      f.timers[safeName(rates.length > 1 ? `${base}-${j + 1}` : base)] = {
        schedule: rate,
        ...(spec.enabled === false ? { enabled: false } : {}),
        ...(spec.input !== undefined
          ? { payload: typeof spec.input === 'string' ? spec.input : JSON.stringify(spec.input) }
          : {}),
      };
    });
  } else if (kind === 'sqs') {
    const spec = isObject(body) ? body : { arn: body };
    ctx.unsupportedKeys([...path, kind], spec, [
      'arn',
      'batchSize',
      'maximumBatchingWindow',
      'functionResponseType',
      'enabled',
    ]);
    const q = queueOf(ctx, [...path, kind], spec.arn, resources);
    if (!q) return;
    m.queues ??= {};
    m.queues[q.name] ??= q.spec;
    f.queues ??= [];
    f.queues.push({
      queue: q.name,
      ...(num(spec.batchSize) ? { batchSize: num(spec.batchSize) } : {}),
      ...(num(spec.maximumBatchingWindow) !== undefined
        ? { windowS: num(spec.maximumBatchingWindow) }
        : {}),
      ...(spec.functionResponseType === 'ReportBatchItemFailures' ? { reportFailures: true } : {}),
      ...(spec.enabled === false ? { enabled: false } : {}),
    });
  } else if (kind === 's3') {
    const spec = isObject(body) ? body : { bucket: body };
    ctx.unsupportedKeys([...path, kind], spec, ['bucket', 'event', 'rules', 'existing']);
    const bucket = str(spec.bucket);
    if (!bucket) {
      ctx.warn([...path, kind], 's3: a bucket given by reference cannot be mapped: left out');
      return;
    }
    const rules = Array.isArray(spec.rules) ? spec.rules.filter(isObject) : [];
    m.buckets ??= {};
    m.buckets[bucket] ??= null;
    f.buckets ??= [];
    f.buckets.push({
      bucket,
      ...(str(spec.event) ? { events: [String(spec.event)] } : {}),
      ...(rules.find((r) => r.prefix)
        ? { prefix: String(rules.find((r) => r.prefix)?.prefix) }
        : {}),
      ...(rules.find((r) => r.suffix)
        ? { suffix: String(rules.find((r) => r.suffix)?.suffix) }
        : {}),
    });
  } else {
    ctx.warn(
      path,
      `event ${kind}: not supported by Nimbus (supported: http, httpApi, schedule, sqs, s3): left out`,
    );
  }
}
