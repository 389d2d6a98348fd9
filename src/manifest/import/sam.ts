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

const FUNCTION_KEYS = [
  'CodeUri',
  'Handler',
  'Runtime',
  'MemorySize',
  'Timeout',
  'Environment',
  'Description',
  'Events',
  'FunctionName',
  'ReservedConcurrentExecutions',
  'FunctionUrlConfig',
  'EventInvokeConfig',
];
const NAME_PROPS = ['BucketName', 'QueueName', 'TableName', 'FunctionName', 'TopicName'];

/** `!Ref`, `!Sub` and pseudo parameters, as far as a local deploy can know them. */
function intrinsic(ctx: ImportContext, path: Path, v: unknown, t: Json): unknown {
  if (!isObject(v)) return v;
  const resources = isObject(t.Resources) ? t.Resources : {};
  const params = isObject(t.Parameters) ? t.Parameters : {};
  const ref = (name: string): string | undefined => {
    if (name === 'AWS::Region') return 'us-east-1';
    if (name === 'AWS::AccountId') return '000000000000';
    if (name === 'AWS::StackName') return safeName(String(t.__project));
    const p = params[name];
    if (isObject(p) && p.Default !== undefined) return String(p.Default);
    const r = resources[name];
    if (isObject(r)) {
      const props = isObject(r.Properties) ? r.Properties : {};
      return str(NAME_PROPS.map((k) => props[k]).find((x) => typeof x === 'string')) ?? name;
    }
    return undefined;
  };
  if (typeof v.Ref === 'string') {
    const r = ref(v.Ref);
    if (r !== undefined) return r;
  }
  const att = v['Fn::GetAtt'];
  const [logical, attr] =
    typeof att === 'string' ? att.split('.') : Array.isArray(att) ? att.map(String) : [];
  const target = logical ? resources[logical] : undefined;
  if (attr === 'Arn' && isObject(target) && target.Type === 'AWS::SQS::Queue') {
    return `arn:aws:sqs:us-east-1:000000000000:${ref(logical ?? '')}`;
  }
  const sub = v['Fn::Sub'];
  if (typeof sub === 'string') {
    let unresolved = false;
    const out = sub.replace(/\$\{([^}]+)\}/g, (all, name: string) => {
      const r = ref(name);
      if (r === undefined) unresolved = true;
      return r ?? all;
    });
    if (!unresolved) return out;
  }
  ctx.warn(path, `${JSON.stringify(v)}: an intrinsic Nimbus cannot resolve here: left out`);
  return undefined;
}

/**
 * A SAM template.yaml → the nimbus.yml model: AWS::Serverless::Function
 * (Globals.Function applied) with Events Api (payload 1.0), HttpApi (2.0),
 * Schedule, SQS, S3; FunctionUrlConfig; EventInvokeConfig; AWS::SQS::Queue
 * and AWS::S3::Bucket become the project's queues and buckets. Everything
 * else is warned about by name.
 */
export function importSam(ctx: ImportContext, project: string): Manifest {
  const t: Json = { ...(ctx.yaml.value as Json), __project: project };
  const resources = isObject(t.Resources) ? t.Resources : {};
  const globals = isObject(t.Globals) && isObject(t.Globals.Function) ? t.Globals.Function : {};
  ctx.unsupportedKeys(
    ['Globals', 'Function'],
    globals,
    FUNCTION_KEYS.filter((k) => k !== 'Events'),
  );
  if (isObject(t.Globals)) ctx.unsupportedKeys(['Globals'], t.Globals, ['Function']);
  const m: Manifest = { project: safeName(project), functions: {} };
  for (const [id, res] of Object.entries(resources)) {
    if (!isObject(res)) continue;
    const props = isObject(res.Properties) ? res.Properties : {};
    const path: Path = ['Resources', id];
    if (res.Type === 'AWS::SQS::Queue') {
      const q = queueOf(ctx, path, { Ref: id }, resources);
      if (q) {
        m.queues ??= {};
        m.queues[q.name] ??= q.spec;
      }
    } else if (res.Type === 'AWS::S3::Bucket') {
      m.buckets ??= {};
      m.buckets[(str(props.BucketName) ?? id).toLowerCase()] = null;
    } else if (res.Type === 'AWS::Serverless::Function') {
      ctx.unsupportedKeys([...path, 'Properties'], props, FUNCTION_KEYS);
      const name = safeName(str(props.FunctionName) ?? id);
      m.functions[name] = fnOf(
        ctx,
        m,
        t,
        [...path, 'Properties'],
        mergeGlobals(globals, props),
        name,
      );
    } else {
      ctx.warn(
        path,
        `${id} (${String(res.Type)}): resource type not supported by Nimbus manifests: left out`,
      );
    }
  }
  return m;
}

/** SAM's rule: a function's properties win over Globals, except maps (Environment.Variables), which merge. */
function mergeGlobals(globals: Json, props: Json): Json {
  const known = Object.fromEntries(
    Object.entries(globals).filter(([k]) => FUNCTION_KEYS.includes(k)),
  );
  const vars = (x: Json) =>
    isObject(x.Environment) && isObject(x.Environment.Variables) ? x.Environment.Variables : {};
  const merged = { ...vars(globals), ...vars(props) };
  return {
    ...known,
    ...props,
    ...(Object.keys(merged).length ? { Environment: { Variables: merged } } : {}),
  };
}

function fnOf(
  ctx: ImportContext,
  m: Manifest,
  t: Json,
  path: Path,
  p: Json,
  name: string,
): FunctionSpec {
  const f: FunctionSpec = { code: typeof p.CodeUri === 'string' ? p.CodeUri : '.' };
  if (p.CodeUri !== undefined && typeof p.CodeUri !== 'string') {
    ctx.warn(
      [...path, 'CodeUri'],
      'CodeUri: only a local folder or zip is read: using the template folder',
    );
  }
  if (str(p.Handler)) f.handler = str(p.Handler);
  const rt = nimbusRuntime(ctx, [...path, 'Runtime'], str(p.Runtime));
  if (rt) f.runtime = rt;
  if (num(p.MemorySize)) f.memoryMb = num(p.MemorySize);
  if (num(p.Timeout)) f.timeoutS = num(p.Timeout);
  if (str(p.Description)) f.description = str(p.Description);
  if (num(p.ReservedConcurrentExecutions) !== undefined)
    f.reservedConcurrency = num(p.ReservedConcurrentExecutions);
  const vars =
    isObject(p.Environment) && isObject(p.Environment.Variables)
      ? p.Environment.Variables
      : undefined;
  if (vars) {
    const resolved = Object.fromEntries(
      Object.entries(vars).map(([k, v]) => [
        k,
        intrinsic(ctx, [...path, 'Environment', 'Variables', k], v, t),
      ]),
    );
    f.env = envOf(
      ctx,
      [...path, 'Environment', 'Variables'],
      Object.fromEntries(Object.entries(resolved).filter(([, v]) => v !== undefined)),
    );
  }
  if (isObject(p.FunctionUrlConfig)) {
    const u = p.FunctionUrlConfig;
    ctx.unsupportedKeys([...path, 'FunctionUrlConfig'], u, ['AuthType', 'InvokeMode']);
    f.url = {
      ...(u.AuthType === 'AWS_IAM' ? { authType: 'AWS_IAM' as const } : {}),
      ...(u.InvokeMode === 'RESPONSE_STREAM' ? { invokeMode: 'RESPONSE_STREAM' as const } : {}),
    };
  }
  if (isObject(p.EventInvokeConfig)) {
    const c = p.EventInvokeConfig;
    ctx.unsupportedKeys([...path, 'EventInvokeConfig'], c, [
      'MaximumRetryAttempts',
      'MaximumEventAgeInSeconds',
    ]);
    f.async = {
      ...(num(c.MaximumRetryAttempts) !== undefined
        ? { maxRetries: num(c.MaximumRetryAttempts) }
        : {}),
      ...(num(c.MaximumEventAgeInSeconds) !== undefined
        ? { maxEventAgeS: num(c.MaximumEventAgeInSeconds) }
        : {}),
    };
  }
  const events = isObject(p.Events) ? p.Events : {};
  for (const [ev, e] of Object.entries(events)) {
    if (isObject(e)) addEvent(ctx, m, t, f, name, ev, e, [...path, 'Events', ev]);
  }
  return f;
}

function addEvent(
  ctx: ImportContext,
  m: Manifest,
  t: Json,
  f: FunctionSpec,
  name: string,
  ev: string,
  e: Json,
  path: Path,
): void {
  const p = isObject(e.Properties) ? e.Properties : {};
  const props: Path = [...path, 'Properties'];
  const resources = isObject(t.Resources) ? t.Resources : {};
  switch (e.Type) {
    case 'Api':
    case 'HttpApi': {
      ctx.unsupportedKeys(props, p, ['Path', 'Method'], 'not supported by Nimbus routes: ignored');
      const route =
        p.Path === undefined && e.Type === 'HttpApi'
          ? 'ANY /{proxy+}'
          : `${method(p.Method)} ${slashPath(p.Path)}`;
      f.routes ??= [];
      f.routes.push({ route, payload: e.Type === 'Api' ? '1.0' : '2.0' });
      return;
    }
    case 'Schedule':
    case 'ScheduleV2': {
      ctx.unsupportedKeys(props, p, [
        'Schedule',
        'ScheduleExpression',
        'Enabled',
        'Input',
        'Name',
        'State',
      ]);
      const schedule = str(p.Schedule) ?? str(p.ScheduleExpression);
      if (!schedule) {
        ctx.warn(props, 'Schedule: no schedule expression: left out');
        return;
      }
      f.timers ??= {};
      f.timers[safeName(str(p.Name) ?? `${name}-${ev}`)] = {
        schedule,
        ...(p.Enabled === false || p.State === 'DISABLED' ? { enabled: false } : {}),
        ...(p.Input !== undefined ? { payload: String(p.Input) } : {}),
      };
      return;
    }
    case 'SQS': {
      ctx.unsupportedKeys(props, p, [
        'Queue',
        'BatchSize',
        'MaximumBatchingWindowInSeconds',
        'FunctionResponseTypes',
        'Enabled',
      ]);
      const q = queueOf(ctx, [...props, 'Queue'], p.Queue, resources);
      if (!q) return;
      m.queues ??= {};
      m.queues[q.name] ??= q.spec;
      f.queues ??= [];
      f.queues.push({
        queue: q.name,
        ...(num(p.BatchSize) ? { batchSize: num(p.BatchSize) } : {}),
        ...(num(p.MaximumBatchingWindowInSeconds) !== undefined
          ? { windowS: num(p.MaximumBatchingWindowInSeconds) }
          : {}),
        ...(Array.isArray(p.FunctionResponseTypes) &&
        p.FunctionResponseTypes.includes('ReportBatchItemFailures')
          ? { reportFailures: true }
          : {}),
        ...(p.Enabled === false ? { enabled: false } : {}),
      });
      return;
    }
    case 'S3': {
      ctx.unsupportedKeys(props, p, ['Bucket', 'Events', 'Filter']);
      const bucket = str(intrinsic(ctx, [...props, 'Bucket'], p.Bucket, t))?.toLowerCase();
      if (!bucket) return;
      m.buckets ??= {};
      m.buckets[bucket] ??= null;
      const rules =
        isObject(p.Filter) && isObject(p.Filter.S3Key) && Array.isArray(p.Filter.S3Key.Rules)
          ? p.Filter.S3Key.Rules.filter(isObject)
          : [];
      const rule = (n: string) => str(rules.find((r) => String(r.Name).toLowerCase() === n)?.Value);
      const events = (Array.isArray(p.Events) ? p.Events : [p.Events]).filter(
        (x): x is string => typeof x === 'string',
      );
      f.buckets ??= [];
      f.buckets.push({
        bucket,
        ...(events.length ? { events } : {}),
        ...(rule('prefix') ? { prefix: rule('prefix') } : {}),
        ...(rule('suffix') ? { suffix: rule('suffix') } : {}),
      });
      return;
    }
    default:
      ctx.warn(
        path,
        `event ${ev} (${String(e.Type)}): not supported by Nimbus (supported: Api, HttpApi, Schedule, SQS, S3): left out`,
      );
  }
}
